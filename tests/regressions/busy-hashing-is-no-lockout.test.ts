import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { attemptPasswordCheck } from '../../src/auth/password-attempts.js'
import { hashPassword, verifyPasswordHash } from '../../src/auth/passwords.js'
import { signInSubject } from '../../src/auth/sign-in-limits.js'
import { loadConfig } from '../../src/config.js'
import { DatabaseUnavailableError } from '../../src/db/database.js'
import { TestClient } from '../helpers/client.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Security review, issue 9 finding 3: an attempt was counted before its verification,
// and when the line of hashes refused it (503) the count was never given back. During
// a flood, a user with the right password retried 11 times: 10 × 503, then 429, and
// after the flood still 429 with Retry-After: 57.

const PASSWORD = 'a long and uncommon passphrase'
// Slow hashes to hold the line full while the user retries.
const SLOW = loadConfig({ PASSWORD_HASH_MEMORY_KIB: '65536', PASSWORD_HASH_ITERATIONS: '3' })

for (const engine of engines) {
  describe(`a busy line of hashes never turns into a lockout (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: {
          PASSWORD_HASH_THREADS: '1',
          PASSWORD_HASH_MEMORY_KIB: '8192',
          PASSWORD_HASH_ITERATIONS: '1',
        },
      })
      assert.equal((await new TestClient(t.app).register('patient', PASSWORD)).statusCode, 303)
    })
    after(() => t.close())

    test('sign-ins refused while the line is full count nothing: afterwards the right password signs in', async () => {
      const stored = await hashPassword('filler password', SLOW.passwordHash)
      // 1 running and 32 waiting: the line of one thread is full (about 3 s of work).
      const fillers = Array.from({ length: 33 }, () =>
        verifyPasswordHash(stored, 'filler password'),
      )
      const user = new TestClient(t.app, {}, { remoteAddress: '198.51.100.77' })
      const during: number[] = []
      for (let i = 0; i < 11; i++) during.push((await user.login('patient', PASSWORD)).statusCode)
      await Promise.all(fillers)
      assert.deepEqual(during, Array<number>(11).fill(503), 'the line was full throughout')
      // Before the success that would clear them: the refused attempts counted nowhere.
      const rows = await t.db.query(
        `SELECT scope FROM attempt_limits WHERE scope IN ('name_address', 'account', 'address') AND attempts > 0`,
      )
      assert.deepEqual(rows, [], 'no counter holds the refused attempts')
      const afterwards = await user.login('patient', PASSWORD)
      assert.equal(afterwards.statusCode, 303)
    })
  })

  describe(`a verification that fails under load gives its count back (${engine})`, () => {
    let database: TestDatabase
    before(async () => {
      database = await openTestDatabase(engine)
    })
    after(() => database.close())

    test('an error thrown by the check leaves every counter as it was before the attempt', async () => {
      const { db } = database
      const limits = loadConfig({}).limits
      const subject = signInSubject('unlucky', '192.0.2.90')
      const context = { db, limits, now: () => new Date('2026-01-01T12:00:00Z') }
      for (let i = 0; i < 12; i++) {
        await assert.rejects(
          attemptPasswordCheck(context, subject, () =>
            Promise.reject(new DatabaseUnavailableError()),
          ),
          DatabaseUnavailableError,
        )
      }
      const counted = await db.query<{ scope: string; attempts: number }>(
        'SELECT scope, attempts FROM attempt_limits WHERE attempts > 0',
      )
      assert.deepEqual(counted, [])
      const attempt = await attemptPasswordCheck(context, subject, async () => ({ ok: false }))
      assert.equal(attempt.status, 'checked', 'the next attempt is let through')
    })
  })
}
