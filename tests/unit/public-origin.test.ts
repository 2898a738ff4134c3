import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { passkeyName } from '../../src/auth/passkey-responses.js'
import { ConfigError, loadConfig } from '../../src/config.js'

// PUBLIC_ORIGIN: an http(s) origin with a host name; the passkeys' relying party is
// its origin and host. And the names a passkey may have.

describe('config: PUBLIC_ORIGIN', () => {
  test('by default it is http://localhost on the port Logon listens on', () => {
    assert.deepEqual(loadConfig({}).relyingParty, {
      origin: 'http://localhost:3000',
      id: 'localhost',
    })
    assert.deepEqual(loadConfig({ PORT: '8080' }).relyingParty, {
      origin: 'http://localhost:8080',
      id: 'localhost',
    })
  })

  const accepted: [string, { origin: string; id: string }][] = [
    ['https://logon.example.com', { origin: 'https://logon.example.com', id: 'logon.example.com' }],
    [
      'https://Logon.Example.com:443/',
      { origin: 'https://logon.example.com', id: 'logon.example.com' },
    ],
    ['http://localhost:8080', { origin: 'http://localhost:8080', id: 'localhost' }],
    ['http://app.localhost:8080', { origin: 'http://app.localhost:8080', id: 'app.localhost' }],
  ]
  for (const [value, expected] of accepted) {
    test(`${value} gives the origin ${expected.origin} and the RP ID ${expected.id}`, () => {
      assert.deepEqual(loadConfig({ PUBLIC_ORIGIN: value }).relyingParty, expected)
    })
  }

  const refused = [
    'logon.example.com',
    'ftp://logon.example.com',
    'https://logon.example.com/logon',
    'https://logon.example.com/?a=1',
    'https://logon.example.com/#top',
    'https://user:pw@logon.example.com',
    'https://127.0.0.1',
    'http://[::1]:3000',
  ]
  for (const value of refused) {
    test(`${value} is refused with one line naming PUBLIC_ORIGIN`, () => {
      assert.throws(
        () => loadConfig({ PUBLIC_ORIGIN: value }),
        (error: unknown) =>
          error instanceof ConfigError &&
          error.message.startsWith('PUBLIC_ORIGIN: ') &&
          !error.message.includes('\n'),
      )
    })
  }

  test('http:// is refused for any host but localhost: browsers allow passkeys only in a secure context', () => {
    assert.throws(() => loadConfig({ PUBLIC_ORIGIN: 'http://logon.example.com' }), /https:\/\//)
  })

  test('an IP address is refused because WebAuthn needs a host name', () => {
    assert.throws(() => loadConfig({ PUBLIC_ORIGIN: 'https://192.0.2.1' }), /host name/)
  })
})

describe('passkey names', () => {
  test('are trimmed and kept from 1 to 64 characters, counted as code points', () => {
    assert.equal(passkeyName('  Work laptop '), 'Work laptop')
    assert.equal(passkeyName('通行密钥'), '通行密钥')
    assert.equal(passkeyName('😀'.repeat(64)), '😀'.repeat(64))
    assert.equal(passkeyName('😀'.repeat(65)), null)
    assert.equal(passkeyName(''), null)
    assert.equal(passkeyName('   '), null)
    assert.equal(passkeyName('a\u0000b'), null)
  })
})
