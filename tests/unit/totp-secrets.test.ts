import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  decryptTotpSecret,
  encryptTotpSecret,
  generateTotpSecret,
  TOTP_SECRET_BYTES,
  totpSecretBase32,
  totpSecretKey,
} from '../../src/auth/totp-secrets.js'

// TOTP secrets are kept AES-256-GCM encrypted, bound to their account's id, under a
// key derived from the server secret: altered, moved or foreign values do not decrypt.

const key = totpSecretKey('a server secret of the tests')

function flipCharacter(stored: string, index: number): string {
  const [version, body] = stored.split('.') as [string, string]
  const bytes = Buffer.from(body, 'base64url')
  bytes[index]! ^= 0x01
  return `${version}.${bytes.toString('base64url')}`
}

describe('TOTP secrets', () => {
  test('a secret is 160 bits from the CSPRNG, shown as 32 Base32 characters', () => {
    const secret = generateTotpSecret()
    assert.equal(secret.length, TOTP_SECRET_BYTES)
    assert.equal(TOTP_SECRET_BYTES * 8, 160)
    assert.match(totpSecretBase32(secret), /^[A-Z2-7]{32}$/)
    assert.notDeepEqual(generateTotpSecret(), secret)
  })

  test('Base32 is RFC 4648 (RFC 6238 test key)', () => {
    const secret = new TextEncoder().encode('12345678901234567890')
    assert.equal(totpSecretBase32(secret), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
  })

  test('encrypt then decrypt gives the secret back; the stored value is versioned', () => {
    const secret = generateTotpSecret()
    const stored = encryptTotpSecret(key, { userId: 7, secret })
    assert.match(stored, /^v1\.[\w-]+$/)
    assert.ok(!stored.includes(Buffer.from(secret).toString('base64url')))
    assert.deepEqual(decryptTotpSecret(key, { userId: 7, stored }), secret)
  })

  test('the same key comes from the same server secret, another from another', () => {
    const secret = generateTotpSecret()
    const stored = encryptTotpSecret(key, { userId: 7, secret })
    const again = totpSecretKey('a server secret of the tests')
    assert.deepEqual(decryptTotpSecret(again, { userId: 7, stored }), secret)
    const other = totpSecretKey('another server secret')
    assert.equal(decryptTotpSecret(other, { userId: 7, stored }), null)
  })

  test("a value moved to another account's row does not decrypt", () => {
    const stored = encryptTotpSecret(key, { userId: 7, secret: generateTotpSecret() })
    assert.equal(decryptTotpSecret(key, { userId: 8, stored }), null)
    assert.equal(decryptTotpSecret(key, { userId: 70, stored }), null)
  })

  test('any altered byte (nonce, ciphertext, tag) fails', () => {
    const stored = encryptTotpSecret(key, { userId: 7, secret: generateTotpSecret() })
    const length = Buffer.from(stored.slice(3), 'base64url').length
    assert.equal(length, 12 + TOTP_SECRET_BYTES + 16)
    for (let index = 0; index < length; index++) {
      assert.equal(
        decryptTotpSecret(key, { userId: 7, stored: flipCharacter(stored, index) }),
        null,
      )
    }
  })

  test('malformed, truncated or unknown-version values fail without throwing', () => {
    const stored = encryptTotpSecret(key, { userId: 7, secret: generateTotpSecret() })
    for (const bad of [
      '',
      'v1.',
      'v1',
      stored.replace(/^v1/, 'v2'),
      stored.slice(0, 20),
      `${stored}.x`,
      stored.slice(3),
    ]) {
      assert.equal(decryptTotpSecret(key, { userId: 7, stored: bad }), null, bad)
    }
  })

  test('the nonce never repeats across 1000 secrets, nor does the stored value', () => {
    const secret = generateTotpSecret()
    const nonces = new Set<string>()
    const values = new Set<string>()
    for (let i = 0; i < 1000; i++) {
      const stored = encryptTotpSecret(key, { userId: 7, secret })
      values.add(stored)
      nonces.add(Buffer.from(stored.slice(3), 'base64url').subarray(0, 12).toString('hex'))
    }
    assert.equal(nonces.size, 1000)
    assert.equal(values.size, 1000)
  })
})
