import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normalizeRecoveryCode,
  RECOVERY_CODE_BYTES,
  RECOVERY_CODE_COUNT,
  recoveryCodeMatches,
} from '../../src/auth/recovery-codes.js'

// Ten codes of 120 random bits (ASVS 6.5.2: at least 112), shown in groups of
// Base32, kept as sha256 only, read back whatever the case, spaces and dashes.

const FORMAT = /^[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}-[A-Z2-7]{6}$/

describe('recovery codes', () => {
  test('ten codes of at least 112 bits, in four dashed groups of six Base32 characters', () => {
    const { codes, hashes } = generateRecoveryCodes()
    assert.equal(codes.length, RECOVERY_CODE_COUNT)
    assert.equal(RECOVERY_CODE_COUNT, 10)
    assert.ok(RECOVERY_CODE_BYTES * 8 >= 112)
    // 24 characters of 5 bits each: the 120 bits of the 15 random bytes, all shown.
    for (const code of codes) assert.match(code, FORMAT)
    assert.equal(codes.join('').replace(/-/g, '').length, RECOVERY_CODE_COUNT * 24)
    assert.equal(new Set(codes).size, RECOVERY_CODE_COUNT)
    assert.equal(hashes.length, RECOVERY_CODE_COUNT)
  })

  test('codes look random: every Base32 character turns up across many sets', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      for (const code of generateRecoveryCodes().codes) for (const c of code) seen.add(c)
    }
    seen.delete('-')
    assert.equal(seen.size, 32)
  })

  test('only the sha256 of the normalised code is kept, not the code', () => {
    const { codes, hashes } = generateRecoveryCodes()
    codes.forEach((code, i) => {
      const bare = code.replace(/-/g, '')
      assert.equal(hashes[i], createHash('sha256').update(bare).digest('hex'))
      assert.ok(!hashes[i]!.includes(bare))
      assert.match(hashes[i]!, /^[0-9a-f]{64}$/)
    })
  })

  test('case, spaces and dashes do not count; 0, 1 and 8 read as O, I and B', () => {
    const { codes, hashes } = generateRecoveryCodes()
    const code = codes[0]!
    const bare = code.replace(/-/g, '')
    assert.equal(normalizeRecoveryCode(code), bare)
    assert.equal(normalizeRecoveryCode(code.toLowerCase()), bare)
    assert.equal(normalizeRecoveryCode(` ${code.replace(/-/g, ' ')} `), bare)
    assert.equal(normalizeRecoveryCode(bare.match(/.{4}/g)!.join('–')), bare)
    assert.equal(normalizeRecoveryCode('OIBOIB-AAAAAA-AAAAAA-AAAAAA'), 'OIBOIBAAAAAAAAAAAAAAAAAA')
    assert.equal(normalizeRecoveryCode('018018-aaaaaa-aaaaaa-aaaaaa'), 'OIBOIBAAAAAAAAAAAAAAAAAA')
    assert.equal(hashRecoveryCode(code.toLowerCase()), hashes[0])
    assert.ok(recoveryCodeMatches(code.toLowerCase().replace(/-/g, ' '), hashes[0]!))
  })

  test('what cannot be a code is refused, and another code does not match', () => {
    const { codes, hashes } = generateRecoveryCodes()
    for (const bad of [
      '',
      codes[0]!.slice(0, -1),
      `${codes[0]}A`,
      '9'.repeat(24),
      'x'.repeat(500),
    ]) {
      assert.equal(normalizeRecoveryCode(bad), null, bad)
      assert.equal(hashRecoveryCode(bad), null)
      assert.equal(recoveryCodeMatches(bad, hashes[0]!), false)
    }
    assert.equal(recoveryCodeMatches(codes[1]!, hashes[0]!), false)
    assert.equal(recoveryCodeMatches(codes[0]!, 'not a hash'), false)
  })
})
