import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SessionTouches } from '../../src/auth/session-touches.js'
import { validateSessionToken } from '../../src/auth/session-validation.js'
import { insertUser } from '../../src/auth/users.js'
import type { SessionPolicy } from '../../src/config.js'
import { DatabaseUnavailableError, type Queryable } from '../../src/db/database.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { createTestSession } from '../helpers/sessions.js'
import { recording } from '../helpers/recording-queryable.js'

const NOW = new Date('2026-01-01T12:00:00Z')
const policy: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43200,
  rememberTimeoutSeconds: 2592000,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}
const at = (seconds: number) => new Date(NOW.getTime() + seconds * 1000)

for (const engine of engines) {
  describe(`batched last_seen_at writes (${engine})`, () => {
    let database: TestDatabase
    let userId: number
    before(async () => {
      database = await openTestDatabase(engine)
      const user = await insertUser(database.db, {
        username: 'toucher',
        usernameKey: 'toucher',
        passwordHash: 'x',
        now: NOW,
      })
      assert.ok(user.ok)
      userId = user.user.id
    })
    after(() => database.close())

    const lastSeen = async (id: string) =>
      (
        await database.db.query<{ last_seen_at: Date }>(
          'SELECT last_seen_at FROM sessions WHERE id = $1',
          [id],
        )
      )[0]!.last_seen_at

    test('validation with a touch callback writes nothing itself; one flush writes every touched session', async () => {
      const { db } = database
      const made = await Promise.all(
        Array.from({ length: 30 }, () =>
          createTestSession(db, { userId, remember: false }, { now: NOW, policy }),
        ),
      )
      const touches = new SessionTouches(db, {
        flushIntervalMs: 60_000,
        onError: (e) => assert.fail(String(e)),
      })
      const { q, statements } = recording(db)
      for (const { token } of made) {
        const result = await validateSessionToken(q, token, {
          now: at(5),
          policy,
          touch: touches.touch,
        })
        assert.ok(result)
      }
      assert.ok(
        statements.every((sql) => /^\s*SELECT/.test(sql)),
        'only reads during validation',
      )
      assert.deepEqual(await lastSeen(made[0]!.session.id), NOW, 'nothing written before the flush')
      const flushed = recording(db)
      const batched = new SessionTouches(flushed.q, { flushIntervalMs: 60_000, onError: () => {} })
      for (const { session } of made) batched.touch(session.id, at(5))
      await batched.close()
      await touches.close()
      assert.equal(flushed.statements.length, 1, 'one statement for 30 sessions')
      for (const { session } of made) assert.deepEqual(await lastSeen(session.id), at(5))
    })

    test('a flush never moves last_seen_at backwards', async () => {
      const { db } = database
      const { session } = await createTestSession(
        db,
        { userId, remember: false },
        { now: at(100), policy },
      )
      const touches = new SessionTouches(db, { flushIntervalMs: 60_000, onError: () => {} })
      touches.touch(session.id, at(50))
      await touches.flush()
      assert.deepEqual(await lastSeen(session.id), at(100))
      touches.touch(session.id, at(200))
      touches.touch(session.id, at(150)) // an older touch of the same session is ignored
      await touches.close()
      assert.deepEqual(await lastSeen(session.id), at(200))
    })

    test('a flush the database failed neither stops later flushes nor loses its touches', async () => {
      const { db } = database
      const { session } = await createTestSession(
        db,
        { userId, remember: false },
        { now: NOW, policy },
      )
      // The real database, but its next statement fails as an outage would.
      let failNext = false
      const unreliable: Queryable = {
        query(sql, params) {
          if (!failNext) return db.query(sql, params)
          failNext = false
          return Promise.reject(
            new DatabaseUnavailableError({ cause: new Error('connection lost') }),
          )
        },
        exec: (sql) => db.exec(sql),
      }
      const touches = new SessionTouches(unreliable, { flushIntervalMs: 60_000, onError: () => {} })
      touches.touch(session.id, at(30))
      failNext = true
      await assert.rejects(touches.flush(), DatabaseUnavailableError)
      assert.deepEqual(await lastSeen(session.id), NOW, 'nothing written yet')
      await touches.close() // the next flush runs, and writes the touch that failed
      assert.deepEqual(await lastSeen(session.id), at(30))
    })

    test('the timer flushes by itself', async () => {
      const { db } = database
      const { session } = await createTestSession(
        db,
        { userId, remember: false },
        { now: NOW, policy },
      )
      const touches = new SessionTouches(db, { flushIntervalMs: 20, onError: () => {} })
      touches.touch(session.id, at(7))
      const deadline = Date.now() + 2000
      while (Date.now() < deadline && (await lastSeen(session.id)).getTime() !== at(7).getTime()) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await touches.close()
      assert.deepEqual(await lastSeen(session.id), at(7))
    })
  })
}
