import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { createRequire } from 'node:module'
import { isCommonPassword } from '../../src/auth/common-passwords.js'
import {
  PASSWORD_MAX_LENGTH,
  checkPasswordPolicy,
  dummyPasswordHash,
  hashPassword,
  passwordHashNeedsUpgrade,
  verifyPasswordHash,
} from '../../src/auth/passwords.js'
import type { PasswordHashParams } from '../../src/config.js'

// OWASP minimum for argon2id, the default of docs/decisions/0003.
const OWASP: PasswordHashParams = { memoryCost: 19456, timeCost: 2, parallelism: 1 }
// Cheaper parameters, for tests that only need a hash made with other parameters.
const CHEAP: PasswordHashParams = { memoryCost: 8192, timeCost: 1, parallelism: 1 }

const PASSPHRASE = 'violet harbor umbrella 1987'
const NFC_PASSWORD = 'caf\u00e9-au-lait-quietly'
const NFD_PASSWORD = 'cafe\u0301-au-lait-quietly'

describe('passwords: policy', () => {
  test('an uncommon long passphrase is accepted', () => {
    assert.deepEqual(checkPasswordPolicy(PASSPHRASE, 8), { ok: true })
  })

  const lengths: [string, string, number, boolean][] = [
    ['7 ASCII characters', 'zq7-wvp', 8, false],
    ['8 ASCII characters', 'zq7-wvpl', 8, true],
    ['11 characters under a minimum of 12', 'zq7-wvpl-xk', 12, false],
    ['12 characters at a minimum of 12', 'zq7-wvpl-xkr', 12, true],
    ['7 astral characters (14 UTF-16 units)', '\u{20bb7}'.repeat(7), 8, false],
    ['8 astral characters', '\u{20bb7}'.repeat(8), 8, true],
    ['8 code points typed that NFKC composes into 4', 'e\u0301'.repeat(4), 8, false],
    ['3 ligatures that NFKC expands into 9 letters', '\ufb03\ufb03\ufb03', 8, true],
  ]
  for (const [what, password, minLength, ok] of lengths) {
    test(`a password of ${what} is ${ok ? 'accepted' : 'refused as too short'} (minimum ${minLength})`, () => {
      assert.deepEqual(
        checkPasswordPolicy(password, minLength),
        ok ? { ok: true } : { ok: false, code: 'password_too_short' },
      )
    })
  }

  test('the longest password is 1024 characters', () => {
    assert.equal(PASSWORD_MAX_LENGTH, 1024)
  })

  const longOnes: [string, string, boolean][] = [
    ['1024 ASCII characters', 'xq7'.repeat(341) + 'k', true],
    ['1025 ASCII characters', 'xq7'.repeat(341) + 'kk', false],
    ['1024 astral characters (2048 UTF-16 units)', '\u{20bb7}'.repeat(1024), true],
    ['1025 astral characters', '\u{20bb7}'.repeat(1025), false],
    ['342 ligatures that NFKC expands into 1026 letters', '\ufb03'.repeat(342), false],
    ['1,000,000 characters', 'y'.repeat(1_000_000), false],
  ]
  for (const [what, password, ok] of longOnes) {
    test(`a password of ${what} is ${ok ? 'accepted' : 'refused as too long'}`, () => {
      assert.deepEqual(
        checkPasswordPolicy(password, 8),
        ok ? { ok: true } : { ok: false, code: 'password_too_long' },
      )
    })
  }

  const common = [
    'password123',
    'Password1',
    'PASSWORD123',
    'qwertyuiop',
    'QwErTyUiOp',
    'iloveyou',
    '12345678',
    'ｐａｓｓｗｏｒｄ１２３',
  ]
  for (const password of common) {
    test(`the common password ${JSON.stringify(password)} is refused as too common`, () => {
      assert.deepEqual(checkPasswordPolicy(password, 8), {
        ok: false,
        code: 'password_too_common',
      })
    })
  }

  test('the common-password list is matched case-insensitively', () => {
    assert.equal(isCommonPassword('password123'), true)
    assert.equal(isCommonPassword('PassWord123'), true)
    assert.equal(isCommonPassword(PASSPHRASE), false)
  })

  test('the common-password list has at least 10,000 entries, each of them refused', () => {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as {
      dictionary: Record<'passwords-common', string[]>
    }
    const entries = dictionary['passwords-common']
    assert.ok(entries.length >= 10_000, `only ${entries.length} entries`)
    const refused = entries.filter((entry) => isCommonPassword(entry.toUpperCase()))
    assert.equal(refused.length, entries.length, 'in any case')
  })
})

describe('passwords: hashing', () => {
  test('a hash is argon2id with m=19456, t=2, p=1 and a salt', async () => {
    const hash = await hashPassword(PASSPHRASE, OWASP)
    assert.ok(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), hash)
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/)
    assert.ok(!hash.includes(PASSPHRASE))
  })

  test('a hash carries the parameters it was made with', async () => {
    const hash = await hashPassword(PASSPHRASE, CHEAP)
    assert.ok(hash.startsWith('$argon2id$v=19$m=8192,t=1,p=1$'), hash)
  })

  test('two hashes of one password differ (random salt) and both verify', async () => {
    const [a, b] = await Promise.all([
      hashPassword(PASSPHRASE, CHEAP),
      hashPassword(PASSPHRASE, CHEAP),
    ])
    assert.notEqual(a, b)
    assert.equal(await verifyPasswordHash(a, PASSPHRASE), true)
    assert.equal(await verifyPasswordHash(b, PASSPHRASE), true)
  })

  test('the right password verifies and wrong ones do not', async () => {
    const hash = await hashPassword(PASSPHRASE, OWASP)
    assert.equal(await verifyPasswordHash(hash, PASSPHRASE), true)
    for (const wrong of ['', PASSPHRASE.toUpperCase(), `${PASSPHRASE} `, PASSPHRASE.slice(0, -1)]) {
      assert.equal(await verifyPasswordHash(hash, wrong), false, JSON.stringify(wrong))
    }
  })

  const garbage = [
    '',
    'garbage',
    '$argon2id$',
    '$argon2id$v=19$m=19456,t=2,p=1$',
    '$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$',
    '$argon2id$v=19$m=19456,t=2,p=1$!!!$!!!',
    '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW',
    'x'.repeat(100_000),
  ]
  for (const hash of garbage) {
    test(`verifying against the unreadable hash ${JSON.stringify(hash.slice(0, 40))} gives false without throwing`, async () => {
      assert.equal(await verifyPasswordHash(hash, PASSPHRASE), false)
    })
  }

  const forms: [string, string, string][] = [
    ['composed é', NFC_PASSWORD, NFD_PASSWORD],
    ['decomposed é', NFD_PASSWORD, NFC_PASSWORD],
    ['full-width letters', 'Ｐａｓｓ－ｗｏｒｄ－９９－ｚｅｂｒａ', 'Pass-word-99-zebra'],
    ['ASCII letters', 'Pass-word-99-zebra', 'Ｐａｓｓ－ｗｏｒｄ－９９－ｚｅｂｒａ'],
    ['the ffi ligature', 'o\ufb03ce-hours-late', 'office-hours-late'],
  ]
  for (const [form, typedAtSignUp, typedAtSignIn] of forms) {
    test(`a password set with ${form} verifies when typed in the other form (NFKC)`, async () => {
      const hash = await hashPassword(typedAtSignUp, CHEAP)
      assert.equal(await verifyPasswordHash(hash, typedAtSignIn), true)
    })
  }

  test('NFKC does not make different passwords equal: "cafe" is not "café"', async () => {
    const hash = await hashPassword(NFC_PASSWORD, CHEAP)
    assert.equal(await verifyPasswordHash(hash, 'cafe-au-lait-quietly'), false)
  })
})

describe('passwords: parameter upgrade', () => {
  test('a hash made with the configured parameters needs no upgrade', async () => {
    const hash = await hashPassword(PASSPHRASE, OWASP)
    assert.equal(passwordHashNeedsUpgrade(hash, OWASP), false)
  })

  test('a hash made with cheaper parameters needs an upgrade', async () => {
    const hash = await hashPassword(PASSPHRASE, CHEAP)
    assert.equal(passwordHashNeedsUpgrade(hash, OWASP), true)
    assert.equal(passwordHashNeedsUpgrade(hash, CHEAP), false)
  })

  const SALT_AND_HASH = 'c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaA'
  const cases: [string, string, boolean][] = [
    ['the same m, t and p', `$argon2id$v=19$m=19456,t=2,p=1$${SALT_AND_HASH}`, false],
    ['a smaller m', `$argon2id$v=19$m=15360,t=2,p=1$${SALT_AND_HASH}`, true],
    [
      'a larger m that starts with the same digits',
      `$argon2id$v=19$m=194560,t=2,p=1$${SALT_AND_HASH}`,
      true,
    ],
    ['another t', `$argon2id$v=19$m=19456,t=3,p=1$${SALT_AND_HASH}`, true],
    ['another p', `$argon2id$v=19$m=19456,t=2,p=2$${SALT_AND_HASH}`, true],
    ['p=10 where p=1 is configured', `$argon2id$v=19$m=19456,t=2,p=10$${SALT_AND_HASH}`, true],
    ['argon2i instead of argon2id', `$argon2i$v=19$m=19456,t=2,p=1$${SALT_AND_HASH}`, true],
    ['an older argon2 version', `$argon2id$v=16$m=19456,t=2,p=1$${SALT_AND_HASH}`, true],
    ['bcrypt', '$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW', true],
    ['garbage', 'garbage', true],
  ]
  for (const [what, hash, expected] of cases) {
    test(`a hash with ${what} ${expected ? 'needs' : 'does not need'} an upgrade`, () => {
      assert.equal(passwordHashNeedsUpgrade(hash, OWASP), expected)
    })
  }
})

describe('passwords: dummy hash for unknown usernames', () => {
  test('the same parameters give the very same promise', () => {
    assert.equal(dummyPasswordHash(CHEAP), dummyPasswordHash(CHEAP))
    assert.equal(dummyPasswordHash(CHEAP), dummyPasswordHash({ ...CHEAP }))
  })

  test('other parameters give another promise and a hash made with them', async () => {
    const other: PasswordHashParams = { ...CHEAP, timeCost: 2 }
    assert.notEqual(dummyPasswordHash(other), dummyPasswordHash(CHEAP))
    const hash = await dummyPasswordHash(other)
    assert.ok(hash.startsWith('$argon2id$v=19$m=8192,t=2,p=1$'), hash)
    assert.equal(passwordHashNeedsUpgrade(hash, other), false)
  })

  test('the dummy hash is a real argon2id hash that an ordinary guess does not match', async () => {
    const hash = await dummyPasswordHash(OWASP)
    assert.ok(hash.startsWith('$argon2id$v=19$m=19456,t=2,p=1$'), hash)
    for (const guess of ['', 'password', PASSPHRASE]) {
      assert.equal(await verifyPasswordHash(hash, guess), false)
    }
  })
})
