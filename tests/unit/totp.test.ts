import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { otpauthUri, totpCode, totpStep, verifyTotp } from '../../src/auth/totp.js'

// TOTP per RFC 6238 (SHA-1, 30 s steps), 6 digits, one step either side, on a given
// clock; a code of a step already used (or older) is refused.

const RFC_KEY = new TextEncoder().encode('12345678901234567890')
// RFC 6238 appendix B, SHA-1: Unix time and 8-digit code. The 6-digit code is the
// same number mod 10^6 (RFC 4226 §5.3: Snum mod 10^Digit), its last six digits.
const RFC_VECTORS: Array<[number, string]> = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
]

const at = (seconds: number) => new Date(seconds * 1000)
const NOW = 1111111111 // step 37037037, 1 s into it

describe('TOTP codes', () => {
  test("RFC 6238's SHA-1 vectors, 8 digits and 6", () => {
    for (const [time, code] of RFC_VECTORS) {
      const step = totpStep(at(time))
      assert.equal(totpCode(RFC_KEY, step, 8), code, `T=${time}`)
      assert.equal(totpCode(RFC_KEY, step), code.slice(2), `T=${time}`)
    }
  })

  test('each RFC vector verifies at its time, returning its step', () => {
    for (const [time, code] of RFC_VECTORS) {
      const verdict = verifyTotp({
        secret: RFC_KEY,
        code: code.slice(2),
        now: at(time),
        lastUsedStep: null,
      })
      assert.deepEqual(verdict, { ok: true, step: Math.floor(time / 30) })
    }
  })

  test('the step before and after now verify; two steps away do not', () => {
    const current = totpStep(at(NOW))
    for (const offset of [-1, 0, 1]) {
      const code = totpCode(RFC_KEY, current + offset)
      assert.deepEqual(
        verifyTotp({ secret: RFC_KEY, code, now: at(NOW), lastUsedStep: null }),
        { ok: true, step: current + offset },
        `offset ${offset}`,
      )
    }
    for (const offset of [-3, -2, 2, 3]) {
      const code = totpCode(RFC_KEY, current + offset)
      assert.deepEqual(
        verifyTotp({ secret: RFC_KEY, code, now: at(NOW), lastUsedStep: null }),
        { ok: false, reason: 'wrong' },
        `offset ${offset}`,
      )
    }
  })

  test('the window follows the clock: a code is good for 90 s around its step, no more', () => {
    const code = totpCode(RFC_KEY, 1000)
    const verdict = (seconds: number) =>
      verifyTotp({ secret: RFC_KEY, code, now: at(seconds), lastUsedStep: null }).ok
    assert.equal(verdict(999 * 30 - 1), false)
    assert.equal(verdict(999 * 30), true)
    assert.equal(verdict(1001 * 30 + 29), true)
    assert.equal(verdict(1002 * 30), false)
  })

  test('a code of the last used step, or an earlier one, is refused as replayed', () => {
    const current = totpStep(at(NOW))
    const code = totpCode(RFC_KEY, current)
    const check = (lastUsedStep: number | null) =>
      verifyTotp({ secret: RFC_KEY, code, now: at(NOW), lastUsedStep })
    assert.deepEqual(check(current), { ok: false, reason: 'replayed' })
    assert.deepEqual(check(current + 1), { ok: false, reason: 'replayed' })
    assert.deepEqual(check(current - 1), { ok: true, step: current })
    // The next step's code still works after this one was used.
    assert.deepEqual(
      verifyTotp({
        secret: RFC_KEY,
        code: totpCode(RFC_KEY, current + 1),
        now: at(NOW),
        lastUsedStep: current,
      }),
      { ok: true, step: current + 1 },
    )
  })

  test('a wrong or malformed code is refused; spaces are allowed', () => {
    const code = totpCode(RFC_KEY, totpStep(at(NOW)))
    const check = (typed: string) =>
      verifyTotp({ secret: RFC_KEY, code: typed, now: at(NOW), lastUsedStep: null })
    assert.equal(check(`${code.slice(0, 3)} ${code.slice(3)}`).ok, true)
    const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0')
    assert.deepEqual(check(wrong), { ok: false, reason: 'wrong' })
    for (const bad of ['', '12345', '1234567', '12345a', '１２３４５６', `${code}0`]) {
      assert.deepEqual(check(bad), { ok: false, reason: 'malformed' }, bad)
    }
  })

  test('another secret does not verify the code', () => {
    const code = totpCode(RFC_KEY, totpStep(at(NOW)))
    const other = new TextEncoder().encode('09876543210987654321')
    assert.equal(verifyTotp({ secret: other, code, now: at(NOW), lastUsedStep: null }).ok, false)
  })
})

describe('otpauthUri', () => {
  test('names the issuer and account, and gives secret, algorithm, digits and period', () => {
    assert.equal(
      otpauthUri({ issuer: 'Logon', accountName: 'alice', secret: RFC_KEY }),
      'otpauth://totp/Logon:alice?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Logon' +
        '&algorithm=SHA1&digits=6&period=30',
    )
  })

  test('percent-encodes the issuer and the account name', () => {
    const uri = new URL(
      otpauthUri({ issuer: 'Logon & Co', accountName: 'zoë: the/first?', secret: RFC_KEY }),
    )
    assert.equal(uri.protocol, 'otpauth:')
    assert.equal(uri.host, 'totp')
    assert.equal(uri.pathname, '/Logon%20%26%20Co:zo%C3%AB%3A%20the%2Ffirst%3F')
    assert.equal(uri.searchParams.get('issuer'), 'Logon & Co')
    assert.equal(uri.searchParams.get('secret'), 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ')
    assert.equal([...uri.searchParams.keys()].length, 5)
  })
})
