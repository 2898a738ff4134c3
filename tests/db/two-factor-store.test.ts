import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { generateRecoveryCodes, hashRecoveryCode } from '../../src/auth/recovery-codes.js'
import {
  encryptTotpSecret,
  generateTotpSecret,
  totpSecretKey,
} from '../../src/auth/totp-secrets.js'
import {
  claimTotpStep,
  disableTwoFactor,
  enableTotpFactor,
  findTotpFactor,
  replaceRecoveryCodes,
  saveTotpPending,
  unusedRecoveryCodeCount,
  useRecoveryCode,
} from '../../src/auth/two-factor-store.js'
import { insertUser } from '../../src/auth/users.js'
import type { Database } from '../../src/db/database.js'
import { engines } from '../helpers/databases.js'
import { openTwoHandles, type TwoHandles } from './two-handles.js'

// The second factor's rows (migration 0011) on each engine: pending then enabled,
// each time step and each recovery code spent once, also when two instances race
// for it, and everything gone with the account.

const NOW = new Date('2026-01-01T12:00:00Z')
const STEP = 59_200_000
const key = totpSecretKey('a server secret of the tests')

for (const engine of engines) {
  describe(`the two-factor store (${engine})`, { timeout: 60_000 }, () => {
    let handles: TwoHandles
    let db: Database

    before(async () => {
      handles = await openTwoHandles(engine)
      db = handles.first
    })
    after(() => handles.close())
    beforeEach(() =>
      db.exec('TRUNCATE totp_factors, recovery_codes, users RESTART IDENTITY CASCADE'),
    )

    async function addUser(username: string): Promise<number> {
      const result = await insertUser(db, {
        username,
        usernameKey: username,
        passwordHash: '$argon2id$not-a-real-hash',
        now: NOW,
      })
      assert.ok(result.ok)
      return result.user.id
    }

    async function enabledUser(username: string): Promise<{ userId: number; secret: string }> {
      const userId = await addUser(username)
      const secret = encryptTotpSecret(key, { userId, secret: generateTotpSecret() })
      assert.equal(await saveTotpPending(db, { userId, secret, now: NOW }), true)
      assert.equal(await enableTotpFactor(db, { userId, secret, step: STEP, now: NOW }), true)
      return { userId, secret }
    }

    test('a pending secret is kept, replaced by a new one, and enabled with its first step', async () => {
      const userId = await addUser('alice')
      assert.equal(await findTotpFactor(db, userId), null)
      const first = encryptTotpSecret(key, { userId, secret: generateTotpSecret() })
      const second = encryptTotpSecret(key, { userId, secret: generateTotpSecret() })
      assert.equal(await saveTotpPending(db, { userId, secret: first, now: NOW }), true)
      assert.equal(await saveTotpPending(db, { userId, secret: second, now: NOW }), true)
      assert.deepEqual(await findTotpFactor(db, userId), {
        secret: second,
        createdAt: NOW,
        enabledAt: null,
        lastUsedStep: null,
      })
      // The secret another tab replaced is not the one enabled.
      assert.equal(
        await enableTotpFactor(db, { userId, secret: first, step: STEP, now: NOW }),
        false,
      )
      assert.equal(
        await enableTotpFactor(db, { userId, secret: second, step: STEP, now: NOW }),
        true,
      )
      const factor = await findTotpFactor(db, userId)
      assert.equal(factor?.enabledAt?.getTime(), NOW.getTime())
      assert.equal(factor?.lastUsedStep, STEP)
      // Enabled: neither enabled again nor overwritten by a new pending secret.
      assert.equal(
        await enableTotpFactor(db, { userId, secret: second, step: STEP + 1, now: NOW }),
        false,
      )
      assert.equal(await saveTotpPending(db, { userId, secret: first, now: NOW }), false)
      assert.equal((await findTotpFactor(db, userId))?.secret, second)
    })

    test('a step is claimed once, only forwards, and only for an enabled factor', async () => {
      const { userId } = await enabledUser('alice')
      assert.equal(await claimTotpStep(db, { userId, step: STEP }), false, 'spent by enabling')
      assert.equal(await claimTotpStep(db, { userId, step: STEP + 1 }), true)
      assert.equal(await claimTotpStep(db, { userId, step: STEP + 1 }), false)
      assert.equal(await claimTotpStep(db, { userId, step: STEP - 5 }), false)
      assert.equal((await findTotpFactor(db, userId))?.lastUsedStep, STEP + 1)

      const pending = await addUser('bob')
      const secret = encryptTotpSecret(key, { userId: pending, secret: generateTotpSecret() })
      await saveTotpPending(db, { userId: pending, secret, now: NOW })
      assert.equal(await claimTotpStep(db, { userId: pending, step: STEP }), false)
      assert.equal(await claimTotpStep(db, { userId: 9999, step: STEP }), false)
    })

    test('two instances claiming the same step at once: exactly one wins', async () => {
      const { userId } = await enabledUser('alice')
      for (let step = STEP + 1; step <= STEP + 10; step++) {
        const results = await Promise.all([
          claimTotpStep(handles.first, { userId, step }),
          claimTotpStep(handles.second, { userId, step }),
          claimTotpStep(handles.first, { userId, step }),
        ])
        assert.equal(results.filter(Boolean).length, 1, `step ${step}: ${results.join()}`)
      }
    })

    test('a recovery code is used once, by its own account only; replacing voids the old set', async () => {
      const { userId } = await enabledUser('alice')
      const other = await addUser('bob')
      const { codes, hashes } = generateRecoveryCodes()
      await replaceRecoveryCodes(db, { userId, hashes, now: NOW })
      assert.equal(await unusedRecoveryCodeCount(db, userId), 10)
      const codeHash = hashRecoveryCode(codes[3]!.toLowerCase())!
      assert.equal(await useRecoveryCode(db, { userId: other, codeHash, now: NOW }), false)
      assert.equal(await useRecoveryCode(db, { userId, codeHash, now: NOW }), true)
      assert.equal(await useRecoveryCode(db, { userId, codeHash, now: NOW }), false)
      assert.equal(await unusedRecoveryCodeCount(db, userId), 9)

      const fresh = generateRecoveryCodes()
      await replaceRecoveryCodes(db, { userId, hashes: fresh.hashes, now: NOW })
      assert.equal(await unusedRecoveryCodeCount(db, userId), 10)
      const old = hashRecoveryCode(codes[0]!)!
      assert.equal(await useRecoveryCode(db, { userId, codeHash: old, now: NOW }), false)
      const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM recovery_codes')
      assert.equal(row!.n, 10, 'only hashes of the new set are stored')
      const stored = await db.query<{ code_hash: string }>('SELECT code_hash FROM recovery_codes')
      for (const { code_hash } of stored) assert.match(code_hash, /^[0-9a-f]{64}$/)
    })

    test('a replacement that fails leaves the old codes in place', async () => {
      const { userId } = await enabledUser('alice')
      const { hashes } = generateRecoveryCodes()
      await replaceRecoveryCodes(db, { userId, hashes, now: NOW })
      const duplicate = generateRecoveryCodes().hashes
      duplicate[1] = duplicate[0]!
      await assert.rejects(replaceRecoveryCodes(db, { userId, hashes: duplicate, now: NOW }))
      assert.equal(await unusedRecoveryCodeCount(db, userId), 10)
      assert.equal(await useRecoveryCode(db, { userId, codeHash: hashes[0]!, now: NOW }), true)
    })

    test('two instances using the same recovery code at once: exactly one wins', async () => {
      const { userId } = await enabledUser('alice')
      const { hashes } = generateRecoveryCodes()
      await replaceRecoveryCodes(db, { userId, hashes, now: NOW })
      for (const codeHash of hashes) {
        const results = await Promise.all([
          useRecoveryCode(handles.first, { userId, codeHash, now: NOW }),
          useRecoveryCode(handles.second, { userId, codeHash, now: NOW }),
          useRecoveryCode(handles.second, { userId, codeHash, now: NOW }),
        ])
        assert.equal(results.filter(Boolean).length, 1, results.join())
      }
      assert.equal(await unusedRecoveryCodeCount(db, userId), 0)
    })

    test('disabling removes the factor and the codes', async () => {
      const { userId } = await enabledUser('alice')
      await replaceRecoveryCodes(db, { userId, hashes: generateRecoveryCodes().hashes, now: NOW })
      assert.equal(await disableTwoFactor(db, userId), true)
      assert.equal(await findTotpFactor(db, userId), null)
      assert.equal(await unusedRecoveryCodeCount(db, userId), 0)
      assert.equal(await disableTwoFactor(db, userId), false)
    })

    test("the factor and the codes go with the account (ON DELETE CASCADE), no one else's", async () => {
      const { userId } = await enabledUser('alice')
      const { userId: bob } = await enabledUser('bob')
      await replaceRecoveryCodes(db, { userId, hashes: generateRecoveryCodes().hashes, now: NOW })
      await replaceRecoveryCodes(db, {
        userId: bob,
        hashes: generateRecoveryCodes().hashes,
        now: NOW,
      })
      await db.query('DELETE FROM users WHERE id = $1', [userId])
      const [left] = await db.query<{ factors: number; codes: number }>(
        `SELECT (SELECT count(*)::int FROM totp_factors WHERE user_id = $1) AS factors,
                (SELECT count(*)::int FROM recovery_codes WHERE user_id = $1) AS codes`,
        [userId],
      )
      assert.deepEqual(left, { factors: 0, codes: 0 })
      assert.notEqual(await findTotpFactor(db, bob), null)
      assert.equal(await unusedRecoveryCodeCount(db, bob), 10)
    })
  })
}
