import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  deleteAuthEventsBefore,
  listRecentAuthEvents,
  recordAuthEvent,
} from '../../src/auth/events.js'
import { createSessions } from '../../src/auth/sessions.js'
import { deleteUser, insertUser } from '../../src/auth/users.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { AUTH_EVENT_RETENTION_DAYS, purgeOnce } from '../../src/jobs/purge.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { createTestSession } from '../helpers/sessions.js'
import { rowsOfUser, sessionRow } from '../helpers/sql.js'

const NOW = new Date('2026-01-01T12:00:00Z')
const policy: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43200,
  rememberTimeoutSeconds: 2592000,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000)
const sessionsAt = (db: Database, now: Date) => createSessions({ db, policy, clock: () => now })

for (const engine of engines) {
  describe(`account stores (${engine})`, () => {
    let database: TestDatabase
    let alice: number
    let bob: number
    before(async () => {
      database = await openTestDatabase(engine)
      const make = async (name: string) => {
        const result = await insertUser(database.db, {
          username: name,
          usernameKey: name,
          passwordHash: 'x',
          now: NOW,
        })
        assert.ok(result.ok)
        return result.user.id
      }
      alice = await make('alice')
      bob = await make('bob')
    })
    after(() => database.close())

    test('the session service lists the live sessions of one user, most recently seen first', async () => {
      const { db } = database
      const old = await createTestSession(
        db,
        { userId: alice, remember: false },
        { now: at(-3600), policy },
      )
      const recent = await createTestSession(
        db,
        { userId: alice, remember: false },
        { now: at(-60), policy },
      )
      const remembered = await createTestSession(
        db,
        { userId: alice, remember: true },
        { now: at(-7200), policy },
      )
      await createTestSession(db, { userId: bob, remember: false }, { now: NOW, policy })
      const ids = (await sessionsAt(db, NOW).list(alice)).map((s) => s.id)
      assert.deepEqual(
        ids,
        [recent.session.id, remembered.session.id],
        'the idle one is left out; bob is not listed',
      )
      assert.ok(!ids.includes(old.session.id))
    })

    test('ending one session ends only a session of that user', async () => {
      const { db } = database
      const bobs = await createTestSession(
        db,
        { userId: bob, remember: false },
        { now: NOW, policy },
      )
      assert.equal(await sessionsAt(db, NOW).endOne(alice, bobs.session.id), false)
      assert.ok(await sessionRow(db, bobs.session.id), 'another account cannot end it')
      assert.equal(await sessionsAt(db, NOW).endOne(bob, bobs.session.id), true)
      assert.equal(await sessionRow(db, bobs.session.id), undefined)
    })

    test('ending all sessions of a user counts what it ended and spares the excepted one', async () => {
      const { db } = database
      const keep = await createTestSession(
        db,
        { userId: bob, remember: false },
        { now: NOW, policy },
      )
      await createTestSession(db, { userId: bob, remember: false }, { now: NOW, policy })
      await createTestSession(db, { userId: bob, remember: true }, { now: NOW, policy })
      const before = await rowsOfUser(db, 'sessions', bob)
      assert.equal(await sessionsAt(db, NOW).endAll(bob, { except: keep.session.id }), before - 1)
      const left = await db.query<{ id: string }>('SELECT id FROM sessions WHERE user_id = $1', [
        bob,
      ])
      assert.deepEqual(
        left.map((r) => r.id),
        [keep.session.id],
      )
    })

    test("events: the newest 20 of one user, newest first, never another user's", async () => {
      const { db } = database
      for (let i = 0; i < 25; i++) {
        await recordAuthEvent(db, {
          userId: alice,
          kind: i % 2 ? 'sign_in_failed' : 'signed_out',
          at: at(i),
          ip: '192.0.2.1',
        })
      }
      await recordAuthEvent(db, { userId: bob, kind: 'registered', at: at(100) })
      const events = await listRecentAuthEvents(db, alice)
      assert.equal(events.length, 20)
      assert.deepEqual(events[0]!.occurredAt, at(24))
      assert.ok(events.every((e) => e.kind !== 'registered'))
    })

    test('old events and expired sessions are purged in bounded batches; recent ones stay', async () => {
      const { db } = database
      const days = (n: number) => at(-n * 86400)
      await recordAuthEvent(db, {
        userId: bob,
        kind: 'signed_in',
        sessionId: 'an-ended-session',
        at: days(AUTH_EVENT_RETENTION_DAYS + 1),
      })
      await recordAuthEvent(db, {
        userId: bob,
        kind: 'signed_in',
        sessionId: 'an-ended-session',
        at: days(AUTH_EVENT_RETENTION_DAYS - 1),
      })
      const expired = await createTestSession(
        db,
        { userId: bob, remember: false },
        { now: at(-50000), policy },
      )
      assert.equal(await deleteAuthEventsBefore(db, { before: days(10_000), limit: 5 }), 0)
      await purgeOnce({ db, policy, now: NOW })
      const rows = await db.query<{ occurred_at: Date }>(
        'SELECT occurred_at FROM auth_events WHERE user_id = $1',
        [bob],
      )
      assert.ok(rows.every((r) => r.occurred_at >= days(AUTH_EVENT_RETENTION_DAYS)))
      assert.ok(rows.length >= 1)
      assert.equal(await sessionRow(db, expired.session.id), undefined)
    })

    test('deleting a user takes its sessions and events with it', async () => {
      const { db } = database
      assert.equal(await deleteUser(db, { userId: alice, passwordVersion: 1 }), true)
      for (const table of ['sessions', 'auth_events'] as const) {
        assert.equal(await rowsOfUser(db, table, alice), 0, table)
      }
    })
  })
}
