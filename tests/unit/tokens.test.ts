import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import {
  generateSessionToken,
  generateSessionTokens,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from '../../src/auth/tokens.js'

// docs/decisions/0001: token "id.secret", id a random public handle, secret at least 128 bits
// from the CSPRNG; the database keeps sha256(secret), compared in constant time.

const BASE64URL = /^[A-Za-z0-9_-]+$/
const DRAWS = 2000

describe('tokens: generation', () => {
  test('a token is "id.secret" made of base64url id and secret', () => {
    const { id, secret, token } = generateSessionToken()
    assert.equal(token, `${id}.${secret}`)
    assert.match(id, BASE64URL)
    assert.match(secret, BASE64URL)
    assert.equal(token.split('.').length, 2)
  })

  test('the secret holds at least 128 random bits', () => {
    const { secret } = generateSessionToken()
    const bytes = Buffer.from(secret, 'base64url')
    assert.ok(bytes.length * 8 >= 128, `${bytes.length * 8} bits`)
    assert.equal(bytes.toString('base64url'), secret, 'the secret is canonical base64url')
  })

  test('the id is long enough not to be guessed (at least 96 bits)', () => {
    const { id } = generateSessionToken()
    assert.ok(Buffer.from(id, 'base64url').length * 8 >= 96)
  })

  test(`ids and secrets are unique over ${DRAWS} draws`, () => {
    const ids = new Set<string>()
    const secrets = new Set<string>()
    for (let i = 0; i < DRAWS; i++) {
      const { id, secret } = generateSessionToken()
      ids.add(id)
      secrets.add(secret)
    }
    assert.equal(ids.size, DRAWS)
    assert.equal(secrets.size, DRAWS)
  })

  test('every generated token parses back into its id and secret', () => {
    for (let i = 0; i < 200; i++) {
      const { id, secret, token } = generateSessionToken()
      assert.deepEqual(parseSessionToken(token), { id, secret })
    }
  })

  test(`many at once (the seed's way) are tokens of the same form, unique over ${DRAWS}`, () => {
    const tokens = generateSessionTokens(DRAWS)
    assert.equal(tokens.length, DRAWS)
    for (const { id, secret, token } of tokens) {
      assert.deepEqual(parseSessionToken(token), { id, secret })
      assert.equal(Buffer.from(secret, 'base64url').length, 32)
    }
    assert.equal(new Set(tokens.map((t) => t.id)).size, DRAWS)
    assert.equal(new Set(tokens.map((t) => t.secret)).size, DRAWS)
    assert.deepEqual(generateSessionTokens(0), [])
  })
})

describe('tokens: parsing a cookie value', () => {
  const { id, secret, token } = generateSessionToken()
  const malformed: [string, string][] = [
    ['the empty string', ''],
    ['a value without a dot', `${id}${secret}`],
    ['only a dot', '.'],
    ['only the id and a dot', `${id}.`],
    ['only a dot and the secret', `.${secret}`],
    ['an extra dot at the end', `${token}.`],
    ['an extra dot inside', `${id}..${secret}`],
    ['three parts', `${id}.${secret}.${secret}`],
    ['a dot in place of an id character', `${id.slice(0, 10)}.${id.slice(11)}.${secret}`],
    ['a dot in place of a secret character', `${id}.${secret.slice(0, 20)}.${secret.slice(21)}`],
    ['an id one character short', `${id.slice(1)}.${secret}`],
    ['an id one character long', `${id}a.${secret}`],
    ['a secret one character short', `${id}.${secret.slice(1)}`],
    ['a secret one character long', `${token}a`],
    ['id and secret swapped', `${secret}.${id}`],
    ['a "+" (standard base64)', `${id.slice(1)}+.${secret}`],
    ['a "/" (standard base64)', `${id}.${secret.slice(1)}/`],
    ['"=" padding', `${id}.${secret.slice(1)}=`],
    ['a space inside', `${id.slice(1)} .${secret}`],
    ['a leading space', ` ${token}`],
    ['a trailing space', `${token} `],
    ['a trailing line feed', `${token}\n`],
    ['a NUL character', `${id.slice(1)}\u0000.${secret}`],
    ['a non-ASCII letter', `${id.slice(1)}é.${secret}`],
    ['a full-width letter', `${id.slice(1)}Ａ.${secret}`],
    ['a percent-encoded dot', `${id}%2E${secret}`],
    ['a very long string', `${id}.${'a'.repeat(1_000_000)}`],
    ['a very long string of dots', '.'.repeat(100_000)],
  ]
  for (const [what, value] of malformed) {
    test(`a cookie value with ${what} is refused`, () => {
      assert.equal(parseSessionToken(value), null)
    })
  }
})

describe('tokens: stored hash of the secret', () => {
  test('hashSessionSecret is sha256 of the secret', () => {
    assert.equal(
      hashSessionSecret('abc').toString('hex'),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    )
    const { secret } = generateSessionToken()
    assert.deepEqual(hashSessionSecret(secret), createHash('sha256').update(secret).digest())
    assert.equal(hashSessionSecret(secret).length, 32)
  })

  test('the hash does not contain the secret', () => {
    const { secret } = generateSessionToken()
    const hash = hashSessionSecret(secret)
    assert.ok(!hash.toString('base64url').includes(secret))
    assert.ok(!hash.equals(Buffer.from(secret, 'base64url')))
  })

  test('the right secret matches its stored hash, as a Buffer or a plain Uint8Array', () => {
    const { secret } = generateSessionToken()
    const stored = hashSessionSecret(secret)
    assert.equal(sessionSecretMatches(secret, stored), true)
    assert.equal(sessionSecretMatches(secret, new Uint8Array(stored)), true)
  })

  test('another secret does not match', () => {
    const a = generateSessionToken()
    const b = generateSessionToken()
    assert.equal(sessionSecretMatches(b.secret, hashSessionSecret(a.secret)), false)
    assert.equal(sessionSecretMatches('', hashSessionSecret(a.secret)), false)
  })

  test('a stored hash with one bit flipped does not match', () => {
    const { secret } = generateSessionToken()
    for (const index of [0, 15, 31]) {
      const stored = Buffer.from(hashSessionSecret(secret))
      stored[index]! ^= 1
      assert.equal(sessionSecretMatches(secret, stored), false, `byte ${index}`)
    }
  })

  const lengths = [0, 1, 16, 31, 33, 64]
  for (const length of lengths) {
    test(`a stored hash of ${length} bytes does not match and does not throw`, () => {
      const { secret } = generateSessionToken()
      const full = hashSessionSecret(secret)
      const stored = Buffer.alloc(length)
      full.copy(stored, 0, 0, Math.min(length, full.length))
      assert.equal(sessionSecretMatches(secret, stored), false)
    })
  }
})
