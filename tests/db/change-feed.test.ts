import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { after, afterEach, before, beforeEach, describe, test } from 'node:test'
import {
  ChangeFeed,
  FRESHNESS_MS,
  type Change,
  type ChangeFeedOptions,
} from '../../src/cache/change-feed.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { engines, TEST_DATABASE_URL, type EngineName } from '../helpers/databases.js'
import { adminQuery } from '../helpers/pg-schema.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

// The change feed of src/cache/ against each engine: which row changes the
// triggers of migration 0007 announce, when the feed counts as current, and, on
// the real server, what a killed or a stalled listening connection does to it.
//
// LISTEN/NOTIFY channels belong to a database, not to a schema: with a schema of
// its own on the shared test database, this file would hear the changes of every
// other test file running meanwhile. So on PostgreSQL it gets a database of its
// own, and its listener is the only connection there that ran LISTEN.

interface FeedDatabase {
  db: Database
  /** The URL of this database, on the real server. */
  url: string | undefined
  close(): Promise<void>
}

async function openFeedDatabase(engine: EngineName): Promise<FeedDatabase> {
  if (engine === 'pglite') {
    const db = await openPGliteDatabase()
    await migrate(db)
    return { db, url: undefined, close: () => db.close() }
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set')
  const name = `logon_feed_${randomBytes(6).toString('hex')}`
  await adminQuery(TEST_DATABASE_URL, `CREATE DATABASE ${name}`)
  const url = new URL(TEST_DATABASE_URL)
  url.pathname = `/${name}`
  const db = openPostgresDatabase(url.toString())
  const close = async () => {
    await db.close()
    await adminQuery(TEST_DATABASE_URL!, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
  }
  await migrate(db).catch(async (error: unknown) => {
    await close()
    throw error
  })
  return { db, url: url.toString(), close }
}

/** Waits until `condition` holds; returns how long that took, or fails after `timeoutMs`. */
async function waitFor(condition: () => boolean, timeoutMs: number, what: string) {
  const start = performance.now()
  while (!condition()) {
    if (performance.now() - start > timeoutMs) assert.fail(`${what} within ${timeoutMs} ms`)
    await sleep(5)
  }
  return performance.now() - start
}

/** Retries caughtUp() (which rejects while the feed is not listening) until it resolves. */
async function caughtUpWithin(feed: ChangeFeed, timeoutMs: number): Promise<void> {
  const deadline = performance.now() + timeoutMs
  for (;;) {
    try {
      return await feed.caughtUp()
    } catch (error) {
      if (performance.now() > deadline) throw error
      await sleep(25)
    }
  }
}

for (const engine of engines) {
  describe(`the change feed (${engine})`, { timeout: 60_000 }, () => {
    const onlyOnServer = engine === 'pglite' && 'PGlite runs in-process: no connection to lose'
    let store: FeedDatabase
    let db: Database
    let feed: ChangeFeed | undefined
    let seen: {
      changes: Change[]
      resets: number
      errors: { message: string; currentThen: boolean | undefined }[]
    }

    before(async () => {
      store = await openFeedDatabase(engine)
      db = store.db
    })
    after(() => store.close())
    // Before any feed listens: the TRUNCATE announces itself too.
    beforeEach(async () => {
      await db.exec(
        // CASCADE: every table that references users goes too, whatever later migrations add.
        'TRUNCATE auth_events, sessions, device_tokens, users RESTART IDENTITY CASCADE',
      )
      seen = { changes: [], resets: 0, errors: [] }
    })
    afterEach(async () => {
      await feed?.close()
      feed = undefined
    })

    async function startFeed({
      on = db,
      clock,
    }: { on?: Database; clock?: ChangeFeedOptions['clock'] } = {}): Promise<ChangeFeed> {
      // onError may come before start() resolves: `feed` is undefined then.
      feed = await ChangeFeed.start(on, {
        onChange: (change) => seen.changes.push(change),
        onReset: () => seen.resets++,
        onError: (_error, message) => seen.errors.push({ message, currentThen: feed?.isCurrent() }),
        clock,
      })
      return feed
    }

    async function addUser(username: string): Promise<number> {
      const [row] = await db.query<{ id: number }>(
        `INSERT INTO users (username, username_key, password_hash, created_at)
         VALUES ($1, $2, '$argon2id$not-a-real-hash', now()) RETURNING id`,
        [username, username.toLowerCase()],
      )
      return row!.id
    }

    async function addSession(userId: number): Promise<string> {
      const id = randomBytes(15).toString('base64url')
      await db.query(
        `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at,
                               remember, user_agent, ip)
         VALUES ($1, $2, $3, now(), now(), now() + interval '1 day', false, 'Firefox', '192.0.2.1')`,
        [id, randomBytes(32), userId],
      )
      return id
    }

    /** A member with one session, added before the feed starts. */
    async function aSession(): Promise<{ userId: number; sessionId: string }> {
      const userId = await addUser(`member_${randomBytes(3).toString('hex')}`)
      return { userId, sessionId: await addSession(userId) }
    }

    describe('being current', () => {
      test('is not current until a heartbeat comes back, and is once caughtUp() resolves', async () => {
        const feed = await startFeed()
        assert.equal(feed.isCurrent(), false)
        await feed.caughtUp()
        assert.equal(feed.isCurrent(), true)
      })

      test('stops being current once FRESHNESS_MS pass without a confirmed heartbeat, and is again after the next one', async () => {
        let now = 10_000
        const feed = await startFeed({ clock: () => now })
        assert.equal(feed.isCurrent(), false)
        await feed.caughtUp()
        assert.equal(feed.isCurrent(), true)
        // Every heartbeat so far was sent at 10 000; moving the clock is all it takes.
        now += FRESHNESS_MS - 1
        assert.equal(feed.isCurrent(), true)
        now += 1
        assert.equal(feed.isCurrent(), false)
        now += 60_000
        assert.equal(feed.isCurrent(), false)
        await feed.caughtUp()
        assert.equal(feed.isCurrent(), true)
      })

      test('calls onReset once when it starts listening, and nothing else', async () => {
        const feed = await startFeed()
        assert.equal(seen.resets, 1)
        await feed.caughtUp()
        assert.equal(seen.resets, 1)
        assert.deepEqual(seen.changes, [])
        assert.deepEqual(seen.errors, [])
      })

      test('no longer listens once closed', async () => {
        const feed = await startFeed()
        await feed.caughtUp()
        await feed.close()
        assert.equal(feed.isCurrent(), false)
        await assert.rejects(feed.caughtUp(), /not listening/)
      })
    })

    describe('the changes it reports', () => {
      test('reports a deleted session by its id before caughtUp() resolves', async () => {
        const { sessionId } = await aSession()
        const feed = await startFeed()
        await db.query('DELETE FROM sessions WHERE id = $1', [sessionId])
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'session', id: sessionId }])
      })

      test('reports nothing for an UPDATE of last_seen_at alone', async () => {
        const { sessionId } = await aSession()
        const feed = await startFeed()
        await db.query(
          `UPDATE sessions SET last_seen_at = now() + interval '1 minute' WHERE id = $1`,
          [sessionId],
        )
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [])
      })

      test('reports an UPDATE of expires_at', async () => {
        const { sessionId } = await aSession()
        const feed = await startFeed()
        await db.query(`UPDATE sessions SET expires_at = now() WHERE id = $1`, [sessionId])
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'session', id: sessionId }])
      })

      test('reports an UPDATE of remember or user_id', async () => {
        const { sessionId } = await aSession()
        const otherUser = await addUser('other_member')
        const feed = await startFeed()
        await db.query(`UPDATE sessions SET remember = true WHERE id = $1`, [sessionId])
        await db.query(`UPDATE sessions SET user_id = $2 WHERE id = $1`, [sessionId, otherUser])
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [
          { kind: 'session', id: sessionId },
          { kind: 'session', id: sessionId },
        ])
      })

      // A kept session carries its user agent and address too.
      test('reports an UPDATE of user_agent or ip', async () => {
        const { sessionId } = await aSession()
        const feed = await startFeed()
        await db.query(
          `UPDATE sessions SET user_agent = 'Lynx', ip = '198.51.100.7' WHERE id = $1`,
          [sessionId],
        )
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'session', id: sessionId }])
      })

      test('reports a TRUNCATE of sessions as a change to every session', async () => {
        await aSession()
        await aSession()
        const feed = await startFeed()
        // CASCADE: passkey challenges (migration 0013) reference sessions.
        await db.exec('TRUNCATE sessions CASCADE')
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'sessions' }])
      })

      test('reports an INSERT into users once per statement, however many rows it adds', async () => {
        const feed = await startFeed()
        await db.query(
          `INSERT INTO users (username, username_key, password_hash, created_at)
           VALUES ('Ann', 'ann', 'h', now()), ('Ben', 'ben', 'h', now()), ('Cy', 'cy', 'h', now())`,
        )
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'members' }])
        await addUser('Dee')
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'members' }, { kind: 'members' }])
      })

      test('reports a renamed member, and nothing for a new password', async () => {
        const userId = await addUser('Eve')
        const feed = await startFeed()
        await db.query(`UPDATE users SET password_hash = 'other' WHERE id = $1`, [userId])
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [])
        await db.query(`UPDATE users SET username = 'EVE', username_key = 'eve' WHERE id = $1`, [
          userId,
        ])
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [{ kind: 'members' }])
      })

      test('reports a deleted member and each of its sessions', async () => {
        const userId = await addUser('Fay')
        const first = await addSession(userId)
        const second = await addSession(userId)
        const feed = await startFeed()
        await db.query('DELETE FROM users WHERE id = $1', [userId])
        await feed.caughtUp()
        const described = seen.changes.map((change) => JSON.stringify(change)).sort()
        const expected: Change[] = [
          { kind: 'members' },
          { kind: 'session', id: first },
          { kind: 'session', id: second },
        ]
        assert.deepEqual(described, expected.map((change) => JSON.stringify(change)).sort())
      })

      test('reports nothing of a transaction that rolls back', async () => {
        const { userId, sessionId } = await aSession()
        const feed = await startFeed()
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query('DELETE FROM sessions WHERE id = $1', [sessionId])
            await tx.query(`UPDATE sessions SET expires_at = now() WHERE user_id = $1`, [userId])
            await tx.query(
              `INSERT INTO users (username, username_key, password_hash, created_at)
               VALUES ('Gus', 'gus', 'h', now())`,
            )
            throw new Error('changed my mind')
          }),
          /changed my mind/,
        )
        await feed.caughtUp()
        assert.deepEqual(seen.changes, [])
        const rows = await db.query('SELECT id FROM sessions WHERE id = $1', [sessionId])
        assert.equal(rows.length, 1)
      })
    })

    describe('a listening connection that fails', () => {
      /** The server processes of this database that ran LISTEN last: the feed's listener. */
      async function listenerPids(): Promise<number[]> {
        const rows = await db.query<{ pid: number }>(
          `SELECT pid FROM pg_stat_activity
            WHERE datname = current_database()
              AND (query ILIKE 'LISTEN%' OR query ILIKE 'SELECT pg_notify%')
              AND pid <> pg_backend_pid()`,
        )
        return rows.map((row) => row.pid)
      }

      test(
        'when killed, reports it, resets, is not current at once, and listens again within 3 s',
        { skip: onlyOnServer },
        async (t) => {
          const feed = await startFeed()
          await feed.caughtUp()
          assert.equal(feed.isCurrent(), true)
          const pids = await listenerPids()
          assert.equal(pids.length, 1, `one listener in this database: ${pids.join(', ')}`)

          const killedAt = performance.now()
          await db.query('SELECT pg_terminate_backend($1)', [pids[0]])
          await waitFor(() => seen.errors.length > 0, 2_000, 'the lost connection reported')
          assert.equal(seen.errors[0]!.currentThen, false)
          assert.equal(feed.isCurrent(), false)
          assert.equal(seen.resets, 2)

          await caughtUpWithin(feed, 3_000)
          const back = performance.now() - killedAt
          assert.ok(back < 3_000, `listening again after ${Math.round(back)} ms`)
          t.diagnostic(`listening again ${Math.round(back)} ms after the kill`)
          assert.equal(feed.isCurrent(), true)
          assert.equal(seen.resets, 3)
          assert.equal(seen.errors.length, 1)
          const newPids = await listenerPids()
          assert.equal(newPids.length, 1)
          assert.notEqual(newPids[0], pids[0])

          // And it hears changes again.
          const { sessionId } = await aSession()
          await db.query('DELETE FROM sessions WHERE id = $1', [sessionId])
          await feed.caughtUp()
          assert.deepEqual(
            seen.changes.filter((change) => change.kind === 'session'),
            [{ kind: 'session', id: sessionId }],
          )
        },
      )

      test(
        'when stalled, does not hear a revocation and stops being current within FRESHNESS_MS',
        { skip: onlyOnServer },
        async (t) => {
          const target = new URL(store.url!)
          const proxy = await TcpProxy.start({
            host: target.hostname,
            port: Number(target.port || 5432),
          })
          const proxied = openPostgresDatabase(proxy.urlFor(store.url!), { onError: () => {} })
          try {
            const { sessionId } = await aSession()
            const feed = await startFeed({ on: proxied })
            await feed.caughtUp()
            assert.equal(feed.isCurrent(), true)

            proxy.blackhole()
            const stalledAt = performance.now()
            await db.query('DELETE FROM sessions WHERE id = $1', [sessionId])
            await waitFor(() => !feed.isCurrent(), 1_000, 'no longer current')
            const lapsed = performance.now() - stalledAt
            assert.ok(
              lapsed < FRESHNESS_MS + 250,
              `current for ${Math.round(lapsed)} ms after the stall`,
            )
            t.diagnostic(`no longer current ${Math.round(lapsed)} ms after the stall`)
            await sleep(200)
            assert.equal(feed.isCurrent(), false)
            assert.deepEqual(seen.changes, [])

            // Back: the frozen connection is gone, so changes may have been missed.
            await proxy.restore()
            await caughtUpWithin(feed, 5_000)
            assert.equal(feed.isCurrent(), true)
            assert.ok(seen.resets >= 3, `reset on loss and on return: ${seen.resets}`)
            assert.ok(seen.errors.length >= 1)
          } finally {
            // Restored before anything is closed: ending a frozen connection would hang.
            await proxy.restore()
            await feed?.close()
            feed = undefined
            await proxied.close()
            await proxy.close()
          }
        },
      )
    })
  })
}
