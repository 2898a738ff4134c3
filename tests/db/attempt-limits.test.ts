import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { deleteExpiredAttemptLimits } from '../../src/auth/expired-attempt-limits.js'
import { waitsByFailureCount } from '../../src/auth/limit-waits.js'
import { countRegistrationAttempt } from '../../src/auth/registration-limit.js'
import {
  claimSignInAttempt,
  giveBackSignInAttempt,
  settleSuccessfulSignIn,
  signInSubject,
  type AttemptDecision,
  type SignInClaim,
  type SignInSubject,
} from '../../src/auth/sign-in-limits.js'
import type { SignInLimits } from '../../src/config.js'
import type { Database, Queryable } from '../../src/db/database.js'
import { engines } from '../helpers/databases.js'
import { openTwoHandles, type TwoHandles } from './two-handles.js'
import { recording } from '../helpers/recording-queryable.js'
import { waitAfterFailures } from '../helpers/limit-waits.js'

// The counters of the sign-in and registration limits called directly against each
// engine: counting, windows, waits, success, and races between parallel attempts
// (on postgres through two pools, as two instances would send them).

const NOW = new Date('2026-01-01T12:00:00Z')
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000)

const limits: SignInLimits = {
  perNameAndAddress: { maxFailures: 3, windowSeconds: 3600 },
  perAccount: { maxFailures: 5, windowSeconds: 3600 },
  perAddress: { maxFailures: 8, windowSeconds: 600 },
  firstWaitSeconds: 60,
  maxWaitSeconds: 300,
  signInsPerAddressPerMinute: 1000,
}

const alice = signInSubject('alice', '192.0.2.1')
const aliceElsewhere = signInSubject('alice', '198.51.100.2')

/** A claim as allowed or not, for tests that are not about the account's wait. */
function decision(claim: SignInClaim): AttemptDecision {
  return claim.allowed ? { allowed: true } : claim
}

interface CounterRow {
  scope: string
  key: string
  attempts: number
  window_started_at: Date
  blocked_until: Date
}

for (const engine of engines) {
  describe(`the attempt limit counters (${engine})`, { timeout: 60_000 }, () => {
    let handles: TwoHandles
    let db: Database
    before(async () => {
      handles = await openTwoHandles(engine)
      db = handles.first
    })
    after(() => handles.close())
    beforeEach(() => db.exec('TRUNCATE attempt_limits'))

    const claim = async (subject: SignInSubject, seconds = 0, on: Queryable = db) =>
      decision(await claimSignInAttempt(on, subject, { limits, now: at(seconds) }))

    async function counters(): Promise<Record<string, CounterRow>> {
      const rows = await db.query<CounterRow>(
        "SELECT * FROM attempt_limits WHERE scope <> 'address_sign_ins'",
      )
      return Object.fromEntries(rows.map((row) => [row.scope, row]))
    }

    async function attempts(): Promise<Record<string, number>> {
      // address_sign_ins counts every sign-in let through; its own tests read it.
      const rows = await db.query<CounterRow>(
        "SELECT scope, attempts FROM attempt_limits WHERE scope <> 'address_sign_ins'",
      )
      return Object.fromEntries(rows.map((row) => [row.scope, row.attempts]))
    }

    describe('giveBackSignInAttempt', () => {
      test('gives the attempt back on every counter it counted on', async () => {
        assert.deepEqual(await claim(alice, 0), { allowed: true })
        assert.deepEqual(await claim(alice, 1), { allowed: true })
        await giveBackSignInAttempt(db, alice, { limits, now: at(2), claimedAt: at(1) })
        assert.deepEqual(await attempts(), { name_address: 1, account: 1, address: 1 })
      })

      test('takes nothing from a window that started again after the claim', async () => {
        // Claimed at 0; by 700 the address window (600 s) has started again, with an
        // attempt of its own, while the name + address window (3600 s) has not.
        assert.deepEqual(await claim(alice, 0), { allowed: true })
        assert.deepEqual(await claim(alice, 700), { allowed: true })
        await giveBackSignInAttempt(db, alice, { limits, now: at(701), claimedAt: at(0) })
        assert.deepEqual(await attempts(), { name_address: 1, account: 1, address: 1 })
        const [address] = await db.query<CounterRow>(
          "SELECT * FROM attempt_limits WHERE scope = 'address'",
        )
        assert.deepEqual(address?.window_started_at, at(700), 'the later window kept its attempt')
      })
    })

    describe('claimSignInAttempt', () => {
      test('an attempt is counted on its name+address, account and address counters in one statement', async () => {
        const { q, statements } = recording(db)
        assert.deepEqual(await claim(alice, 0, q), { allowed: true })
        assert.equal(statements.length, 1)
        assert.deepEqual(await attempts(), { name_address: 1, account: 1, address: 1 })
        const rows = await counters()
        assert.equal(rows.account?.key, alice.nameKey)
        assert.equal(rows.address?.key, '192.0.2.1')
        assert.equal(rows.name_address?.key, `192.0.2.1 ${alice.nameKey}`)
        assert.deepEqual(rows.account?.window_started_at, NOW)
        const [rate] = await db.query<CounterRow>(
          "SELECT * FROM attempt_limits WHERE scope = 'address_sign_ins'",
        )
        assert.equal(rate?.key, '192.0.2.1')
        assert.equal(rate?.attempts, 1)
      })

      test('the limit-th failure starts the first wait; until it passes, attempts are refused and not counted', async () => {
        for (let i = 0; i < 3; i++) assert.deepEqual(await claim(alice), { allowed: true })
        assert.deepEqual((await counters()).name_address?.blocked_until, at(60))
        assert.deepEqual(await claim(alice, 1), { allowed: false, retryAfterSeconds: 59 })
        assert.deepEqual(await claim(alice, 59.5), { allowed: false, retryAfterSeconds: 1 })
        assert.deepEqual(await attempts(), { name_address: 3, account: 3, address: 3 })
        assert.deepEqual(await claim(alice, 60), { allowed: true })
      })

      test('each failure past the limit doubles the wait, up to the longest', async () => {
        const waits = waitsByFailureCount({ ...limits, maxFailures: 3 })
        let clock = 0
        for (let failures = 1; failures <= 8; failures++) {
          assert.deepEqual(await claim(alice, clock), { allowed: true }, `failure ${failures}`)
          const wait = waitAfterFailures(waits, failures)
          assert.deepEqual((await counters()).name_address?.blocked_until, at(clock + wait))
          clock += wait
        }
        assert.deepEqual(waits.slice(2), [60, 120, 240, 300], 'the waits this test walked through')
      })

      test('another address is not held up by the name+address wait', async () => {
        for (let i = 0; i < 3; i++) await claim(alice)
        assert.equal((await claim(alice)).allowed, false)
        assert.deepEqual(await claim(aliceElsewhere), { allowed: true })
      })

      test('failures from several addresses add up on the account until it waits, for every address', async () => {
        const addresses = ['203.0.113.1', '203.0.113.2', '203.0.113.3']
        for (const [i, ip] of addresses.entries()) {
          for (let n = 0; n < (i < 2 ? 2 : 1); n++) await claim(signInSubject('alice', ip))
        }
        const accountRow = (await counters()).account
        assert.equal(accountRow?.attempts, 5)
        assert.deepEqual(accountRow?.blocked_until, at(60))
        const fresh = await claim(signInSubject('ALICE', '203.0.113.99'))
        assert.deepEqual(fresh, { allowed: false, retryAfterSeconds: 60 })
        assert.equal((await claim(signInSubject('bob', '203.0.113.99'))).allowed, true)
      })

      test('failures for many names from one address add up until the address waits', async () => {
        for (let i = 0; i < 8; i++) await claim(signInSubject(`user${i}`, '192.0.2.50'))
        assert.deepEqual(await claim(signInSubject('someone_else', '192.0.2.50')), {
          allowed: false,
          retryAfterSeconds: 60,
        })
        assert.equal((await claim(signInSubject('someone_else', '192.0.2.51'))).allowed, true)
      })

      test('a refused attempt counts on no counter, not even the ones that were not waiting', async () => {
        for (let i = 0; i < 3; i++) await claim(alice)
        const before = await attempts()
        for (let i = 0; i < 20; i++) await claim(alice, 1)
        assert.deepEqual(await attempts(), before)
      })

      test('once its window has passed, a counter starts again at 1', async () => {
        await claim(alice)
        await claim(alice)
        assert.equal((await claim(alice, 600)).allowed, true, 'the address window is 600 s')
        assert.deepEqual(await attempts(), { name_address: 3, account: 3, address: 1 })
        assert.deepEqual((await counters()).address?.window_started_at, at(600))
        assert.equal((await claim(alice, 660)).allowed, true, 'the wait of 60 s has passed')
        assert.deepEqual(await attempts(), { name_address: 4, account: 4, address: 2 })
        assert.equal((await claim(alice, 3600)).allowed, true, 'the name windows are 3600 s')
        assert.deepEqual(await attempts(), { name_address: 1, account: 1, address: 1 })
      })
    })

    describe('settleSuccessfulSignIn', () => {
      test('a success resets the name from that address and the account, and gives the address its attempt back', async () => {
        await claim(alice)
        await claim(aliceElsewhere)
        await claim(alice)
        await settleSuccessfulSignIn(db, alice, { limits, now: NOW })
        const rows = await db.query<CounterRow>(
          'SELECT scope, key, attempts FROM attempt_limits ORDER BY scope, key',
        )
        assert.deepEqual(
          rows.map(({ scope, key, attempts }) => ({ scope, key, attempts })),
          [
            { scope: 'address', key: '192.0.2.1', attempts: 1 },
            { scope: 'address', key: '198.51.100.2', attempts: 1 },
            // Sign-ins let through count here whatever their outcome.
            { scope: 'address_sign_ins', key: '192.0.2.1', attempts: 2 },
            { scope: 'address_sign_ins', key: '198.51.100.2', attempts: 1 },
            {
              scope: 'name_address',
              key: `198.51.100.2 ${alice.nameKey}`,
              attempts: 1,
            },
          ],
        )
      })

      test('a success that was the address limit-th attempt lifts the wait it started', async () => {
        for (let i = 0; i < 7; i++) await claim(signInSubject(`user${i}`, '192.0.2.1'))
        await claim(alice, 10)
        assert.deepEqual((await counters()).address?.blocked_until, at(70))
        await settleSuccessfulSignIn(db, alice, { limits, now: at(10) })
        assert.equal((await counters()).address?.attempts, 7)
        assert.equal((await claim(signInSubject('carol', '192.0.2.1'), 11)).allowed, true)
      })

      test('a success takes one statement', async () => {
        await claim(alice)
        const { q, statements } = recording(db)
        await settleSuccessfulSignIn(q, alice, { limits, now: NOW })
        assert.equal(statements.length, 1)
      })
    })

    describe('parallel attempts', () => {
      const generous: SignInLimits = {
        ...limits,
        perNameAndAddress: { maxFailures: 10, windowSeconds: 3600 },
        perAccount: { maxFailures: 100, windowSeconds: 3600 },
        perAddress: { maxFailures: 1000, windowSeconds: 3600 },
      }

      function inParallel(count: number, fn: (on: Queryable) => Promise<AttemptDecision>) {
        return Promise.all(
          Array.from({ length: count }, (_, i) => fn(i % 2 ? handles.second : handles.first)),
        )
      }

      test('parallel failures below every limit are each counted exactly once', async () => {
        const subject = signInSubject('parallel', '192.0.2.9')
        const others = Array.from({ length: 40 }, (_, i) => signInSubject(`p${i}`, '192.0.2.9'))
        const subjects = [...others, ...Array.from({ length: 9 }, () => subject)]
        const decisions = await Promise.all(
          subjects.map((s, i) =>
            claimSignInAttempt(i % 2 ? handles.second : handles.first, s, {
              limits: generous,
              now: NOW,
            }),
          ),
        )
        assert.ok(decisions.every((decision) => decision.allowed))
        const [address] = await db.query<{ attempts: number }>(
          "SELECT attempts FROM attempt_limits WHERE scope = 'address'",
        )
        assert.equal(address?.attempts, 49)
        const [mine] = await db.query<{ attempts: number }>(
          "SELECT attempts FROM attempt_limits WHERE scope = 'name_address' AND key = $1",
          [`192.0.2.9 ${subject.nameKey}`],
        )
        assert.equal(mine?.attempts, 9)
      })

      test('of 60 parallel attempts on one name from one address, exactly the limit of 10 get through', async () => {
        const subject = signInSubject('burst', '192.0.2.10')
        const decisions = await inParallel(60, (on) =>
          claimSignInAttempt(on, subject, { limits: generous, now: NOW }).then(decision),
        )
        assert.equal(decisions.filter((decision) => decision.allowed).length, 10)
        for (const decision of decisions.filter((d) => !d.allowed)) {
          assert.deepEqual(decision, { allowed: false, retryAfterSeconds: 60 })
        }
        assert.deepEqual(await attempts(), { name_address: 10, account: 10, address: 10 })
      })

      test('of 300 parallel registrations from one address, exactly 200 get through and every one is counted', async () => {
        const decisions = await inParallel(300, (on) =>
          countRegistrationAttempt(on, '192.0.2.20', { perMinute: 200, now: NOW }),
        )
        assert.equal(decisions.filter((decision) => decision.allowed).length, 200)
        assert.deepEqual(await attempts(), { register_address: 300 })
      })
    })

    describe('countRegistrationAttempt', () => {
      test('over the limit, the wait lasts until the minute that began at the first attempt ends', async () => {
        for (let i = 0; i < 200; i++) {
          const decision = await countRegistrationAttempt(db, '192.0.2.30', {
            perMinute: 200,
            now: at(i / 10),
          })
          assert.ok(decision.allowed, `attempt ${i + 1}`)
        }
        assert.deepEqual(
          await countRegistrationAttempt(db, '192.0.2.30', { perMinute: 200, now: at(20) }),
          { allowed: false, retryAfterSeconds: 40 },
        )
        assert.deepEqual(
          await countRegistrationAttempt(db, '192.0.2.31', { perMinute: 200, now: at(20) }),
          { allowed: true },
          'another address',
        )
        assert.deepEqual(
          await countRegistrationAttempt(db, '192.0.2.30', { perMinute: 200, now: at(60) }),
          { allowed: true },
        )
        const rows = await db.query<CounterRow>(
          "SELECT * FROM attempt_limits WHERE key = '192.0.2.30'",
        )
        assert.equal(rows[0]?.attempts, 1)
        assert.deepEqual(rows[0]?.window_started_at, at(60))
      })
    })

    describe('deleteExpiredAttemptLimits', () => {
      test('deletes the counters whose window and wait have passed, and only those', async () => {
        await claim(signInSubject('old', '192.0.2.40'), -7200)
        await claim(signInSubject('recent', '192.0.2.41'), -60)
        for (let i = 0; i < 3; i++) await claim(signInSubject('waiting', '192.0.2.42'), -3600)
        await db.query(
          `UPDATE attempt_limits SET blocked_until = $1
            WHERE scope = 'name_address' AND key LIKE '192.0.2.42 %'`,
          [at(30)],
        )
        const deleted = await deleteExpiredAttemptLimits(db, {
          now: NOW,
          longestWindowSeconds: 3600,
          limit: 100,
        })
        assert.equal(
          deleted,
          7,
          "old's four counters, and waiting's account, address and address_sign_ins",
        )
        const rows = await db.query<CounterRow>('SELECT scope, key FROM attempt_limits')
        assert.deepEqual(
          rows.map((row) => row.key.split(' ')[0]).sort(),
          [
            '192.0.2.41',
            '192.0.2.41',
            '192.0.2.41',
            '192.0.2.42',
            signInSubject('recent', '::1').nameKey,
          ].sort(),
        )
      })

      test('deletes at most `limit` counters a run', async () => {
        for (let i = 0; i < 5; i++) await claim(signInSubject(`n${i}`, `192.0.2.${60 + i}`), -7200)
        const first = await deleteExpiredAttemptLimits(db, {
          now: NOW,
          longestWindowSeconds: 3600,
          limit: 4,
        })
        assert.equal(first, 4)
        assert.equal((await db.query('SELECT 1 FROM attempt_limits')).length, 16)
      })
    })
  })
}
