import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { recordAuthEvent } from '../../src/auth/events.js'
import { loadServerSecret } from '../../src/auth/server-secret.js'
import { listMembers, MEMBERS_PAGE_SIZE } from '../../src/auth/members.js'
import { isSessionExpired } from '../../src/auth/session-lifetime.js'
import { deleteExpiredSessions, type Session } from '../../src/auth/session-store.js'
import { validateSessionToken } from '../../src/auth/session-validation.js'
import { createSessions, type NewSession } from '../../src/auth/sessions.js'
import { insertUser, type User } from '../../src/auth/users.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database, Queryable } from '../../src/db/database.js'
import { engines } from '../helpers/databases.js'
import { createTestSession } from '../helpers/sessions.js'
import { openTwoHandles, type TwoHandles } from './two-handles.js'
import { recording } from '../helpers/recording-queryable.js'

// The session, member and secret stores of src/auth/ called directly against each
// engine: the SQL of every function, its limits and its races, without HTTP.

const NOW = new Date('2026-01-01T12:00:00Z')
const policy: SessionPolicy = {
  idleTimeoutSeconds: 30 * 60,
  absoluteTimeoutSeconds: 24 * 60 * 60,
  rememberTimeoutSeconds: 30 * 24 * 60 * 60,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}

/** NOW moved by `seconds` (negative: earlier). */
const at = (seconds: number) => new Date(NOW.getTime() + Math.round(seconds * 1000))

/** A token whose id is right and whose secret is another well-formed one. */
function withOtherSecret(token: string): string {
  const [id, secret] = token.split('.') as [string, string]
  const other = (secret[0] === 'A' ? 'B' : 'A') + secret.slice(1)
  return `${id}.${other}`
}

for (const engine of engines) {
  describe(`the session, member and secret stores (${engine})`, { timeout: 60_000 }, () => {
    let handles: TwoHandles
    let db: Database

    before(async () => {
      handles = await openTwoHandles(engine)
      db = handles.first
    })
    after(() => handles.close())
    beforeEach(() =>
      db.exec(
        // CASCADE: every table that references users goes too, whatever later migrations add.
        'TRUNCATE auth_events, sessions, device_tokens, users, server_secrets RESTART IDENTITY CASCADE',
      ),
    )

    async function addUser(username: string, on: Queryable = db): Promise<User> {
      const result = await insertUser(on, {
        username,
        usernameKey: username.toLowerCase(),
        passwordHash: '$argon2id$not-a-real-hash',
        now: NOW,
      })
      assert.ok(result.ok, `${username} inserted`)
      return result.user
    }

    /** A session created `ageSeconds` before NOW (its last use then too, unless touched). */
    async function addSession(
      user: User,
      { ageSeconds = 0, ...rest }: Partial<NewSession> & { ageSeconds?: number } = {},
    ) {
      return createTestSession(
        db,
        { userId: user.id, remember: false, ...rest },
        { now: at(-ageSeconds), policy },
      )
    }

    async function sessionIds(): Promise<string[]> {
      const rows = await db.query<{ id: string }>('SELECT id FROM sessions ORDER BY id')
      return rows.map((row) => row.id)
    }

    async function lastSeen(sessionId: string): Promise<Date | undefined> {
      const [row] = await db.query<{ last_seen_at: Date }>(
        'SELECT last_seen_at FROM sessions WHERE id = $1',
        [sessionId],
      )
      return row?.last_seen_at
    }

    describe('createSession and validateSessionToken', () => {
      test('validating the token createSession returned gives back the session and its user', async () => {
        const ada = await addUser('Ada')
        const { token, session } = await createTestSession(
          db,
          { userId: ada.id, remember: false, userAgent: 'Firefox', ip: '192.0.2.1' },
          { now: NOW, policy },
        )
        const result = await validateSessionToken(db, token, { now: at(1), policy })
        assert.deepEqual(result?.user, { id: ada.id, username: 'Ada' })
        assert.deepEqual(result?.session, { ...session, lastSeenAt: at(1) })
        assert.deepEqual(session.expiresAt, at(policy.absoluteTimeoutSeconds))
        assert.equal(session.userAgent, 'Firefox')
        assert.equal(session.ip, '192.0.2.1')
      })

      test('the stored row holds sha256 of the secret, not the token or the secret', async () => {
        const { token, session } = await addSession(await addUser('Ada'))
        const rows = await db.query<Record<string, unknown>>('SELECT * FROM sessions')
        assert.equal(rows.length, 1)
        assert.equal(rows[0]!.id, session.id)
        const secret = token.split('.')[1]!
        assert.ok(!JSON.stringify(rows).includes(secret))
        assert.equal(Buffer.from(rows[0]!.secret_hash as Uint8Array).length, 32)
      })

      test('a remember-me session lasts the remember-me lifetime', async () => {
        const { session } = await addSession(await addUser('Ada'), { remember: true })
        assert.deepEqual(session.expiresAt, at(policy.rememberTimeoutSeconds))
        const [row] = await db.query<{ expires_at: Date; remember: boolean }>(
          'SELECT expires_at, remember FROM sessions',
        )
        assert.deepEqual(row, { expires_at: at(policy.rememberTimeoutSeconds), remember: true })
      })

      test('a token with the right id and a wrong secret is null, and the session stays valid', async () => {
        const { token } = await addSession(await addUser('Ada'))
        assert.equal(
          await validateSessionToken(db, withOtherSecret(token), { now: NOW, policy }),
          null,
        )
        assert.equal((await sessionIds()).length, 1, 'a wrong secret must not end the session')
        assert.notEqual(await validateSessionToken(db, token, { now: NOW, policy }), null)
      })

      const notTokens = [
        ['an empty string', ''],
        ['a token without a dot', 'abcdefghijklmnopqrst'],
        ['a well-formed token nobody was given', `${'a'.repeat(20)}.${'b'.repeat(43)}`],
        ['a token with SQL in its id', `' OR 1=1 --aaaaaaaaa.${'b'.repeat(43)}`],
      ] as const
      for (const [what, token] of notTokens) {
        test(`validating ${what} is null`, async () => {
          await addSession(await addUser('Ada'))
          assert.equal(await validateSessionToken(db, token, { now: NOW, policy }), null)
          assert.equal((await sessionIds()).length, 1)
        })
      }

      test('a session validated after its idle limit is null and its row is deleted', async () => {
        const { token } = await addSession(await addUser('Ada'))
        const result = await validateSessionToken(db, token, {
          now: at(policy.idleTimeoutSeconds),
          policy,
        })
        assert.equal(result, null)
        assert.deepEqual(await sessionIds(), [])
      })

      test('validation writes last_seen_at only once the touch interval has passed', async () => {
        const { token, session } = await addSession(await addUser('Ada'))
        await validateSessionToken(db, token, { now: at(0.5), policy })
        assert.deepEqual(await lastSeen(session.id), NOW, 'no write within the interval')
        await validateSessionToken(db, token, { now: at(1), policy })
        assert.deepEqual(await lastSeen(session.id), at(1), 'written once it has passed')
      })
    })

    describe('invalidating sessions', () => {
      test('ending a session ends that session and no other', async () => {
        const ada = await addUser('Ada')
        const first = await addSession(ada)
        const second = await addSession(ada)
        await createSessions({ db, policy, clock: () => NOW }).endOne(ada.id, first.session.id)
        assert.deepEqual(await sessionIds(), [second.session.id])
        assert.equal(await validateSessionToken(db, first.token, { now: NOW, policy }), null)
      })

      test("ending all of a user's sessions but one keeps only that session of the user", async () => {
        const ada = await addUser('Ada')
        const bob = await addUser('Bob')
        await addSession(ada)
        const kept = await addSession(ada)
        await addSession(ada, { remember: true })
        const bobs = await addSession(bob)
        await createSessions({ db, policy, clock: () => NOW }).endAll(ada.id, {
          except: kept.session.id,
        })
        assert.deepEqual(await sessionIds(), [kept.session.id, bobs.session.id].sort())
      })

      test("ending all of a user's sessions ends every session of the user only", async () => {
        const ada = await addUser('Ada')
        const bob = await addUser('Bob')
        await addSession(ada)
        await addSession(ada, { remember: true })
        const bobs = await addSession(bob)
        await createSessions({ db, policy, clock: () => NOW }).endAll(ada.id)
        assert.deepEqual(await sessionIds(), [bobs.session.id])
      })

      test("deleting a user deletes that user's sessions", async () => {
        const ada = await addUser('Ada')
        const bob = await addUser('Bob')
        const { token } = await addSession(ada)
        const bobs = await addSession(bob)
        await db.query('DELETE FROM users WHERE id = $1', [ada.id])
        assert.deepEqual(await sessionIds(), [bobs.session.id])
        assert.equal(await validateSessionToken(db, token, { now: NOW, policy }), null)
      })
    })

    describe('deleteExpiredSessions', () => {
      const idle = policy.idleTimeoutSeconds
      const absolute = policy.absoluteTimeoutSeconds
      const remember = policy.rememberTimeoutSeconds

      test('removes sessions past either limit, keeps live ones and remember-me ones past idle', async () => {
        const ada = await addUser('Ada')
        const live = await addSession(ada, { ageSeconds: idle - 1 })
        const idleExpired = await addSession(ada, { ageSeconds: idle + 1 })
        // In use a minute ago, but created more than the absolute limit ago.
        const absoluteExpired = await addSession(ada, { ageSeconds: absolute + 1 })
        await db.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [
          absoluteExpired.session.id,
          at(-60),
        ])
        const rememberIdle = await addSession(ada, { remember: true, ageSeconds: idle * 4 })
        const rememberExpired = await addSession(ada, { remember: true, ageSeconds: remember + 1 })

        const deleted = await deleteExpiredSessions(db, { now: NOW, policy, limit: 100 })
        assert.equal(deleted, 3)
        assert.deepEqual(await sessionIds(), [live.session.id, rememberIdle.session.id].sort())
        for (const gone of [idleExpired, absoluteExpired, rememberExpired])
          assert.equal(await validateSessionToken(db, gone.token, { now: NOW, policy }), null)
        for (const kept of [live, rememberIdle])
          assert.notEqual(await validateSessionToken(db, kept.token, { now: NOW, policy }), null)
      })

      test('treats a session exactly at a limit as expired, as validation does', async () => {
        const ada = await addUser('Ada')
        const cases = [
          { what: 'idle limit reached', ageSeconds: idle, remember: false, expired: true },
          {
            what: '1 ms before the idle limit',
            ageSeconds: idle - 0.001,
            remember: false,
            expired: false,
          },
          {
            what: 'remember-me limit reached',
            ageSeconds: remember,
            remember: true,
            expired: true,
          },
          {
            what: '1 ms before the remember-me limit',
            ageSeconds: remember - 0.001,
            remember: true,
            expired: false,
          },
        ]
        // Two twin sessions a case: validation judges one, the purge the other.
        const twins = []
        for (const c of cases) {
          const options = { ageSeconds: c.ageSeconds, remember: c.remember }
          twins.push({
            ...c,
            validated: await addSession(ada, options),
            purged: await addSession(ada, options),
          })
        }
        for (const c of twins) {
          const result = await validateSessionToken(db, c.validated.token, { now: NOW, policy })
          assert.equal(result === null, c.expired, `${c.what}: rejected by validation`)
        }
        await deleteExpiredSessions(db, { now: NOW, policy, limit: 100 })
        const left = new Set(await sessionIds())
        for (const c of twins)
          assert.equal(!left.has(c.purged.session.id), c.expired, `${c.what}: purged`)
      })

      test('the purge and isSessionExpired agree on generated sessions, under lowered limits too', async () => {
        const ada = await addUser('Ada')
        // Sessions opened under a generous policy, judged under this one and under one
        // whose every limit is lower (an incident): the purge deletes exactly the
        // sessions the lifetime module calls ended.
        const lowered: SessionPolicy = {
          ...policy,
          idleTimeoutSeconds: idle / 2,
          absoluteTimeoutSeconds: absolute / 3,
          rememberTimeoutSeconds: remember / 4,
        }
        let seed = 20261203
        const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31
        // Offsets near every limit of both policies, exact ones included, and between.
        const limits = [idle, absolute, remember, lowered.idleTimeoutSeconds]
        limits.push(lowered.absoluteTimeoutSeconds, lowered.rememberTimeoutSeconds)
        const near = limits.flatMap((l) => [l - 1, l - 0.001, l, l + 0.001, l + 1])
        const age = () =>
          random() < 0.5 ? near[Math.floor(random() * near.length)]! : random() * remember * 1.2
        for (const judged of [policy, lowered]) {
          await db.exec('TRUNCATE sessions CASCADE')
          const made: Session[] = []
          for (let i = 0; i < 150; i++) {
            const remembered = random() < 0.5
            const createdAt = at(-age())
            const seenAgo = Math.min(age(), (NOW.getTime() - createdAt.getTime()) / 1000)
            const { session } = await createTestSession(
              db,
              { userId: ada.id, remember: remembered },
              { now: createdAt, policy: { ...policy, maxSessionsPerAccount: 1000 } },
            )
            const lastSeenAt = at(-seenAgo)
            await db.query('UPDATE sessions SET last_seen_at = $2 WHERE id = $1', [
              session.id,
              lastSeenAt,
            ])
            made.push({ ...session, lastSeenAt })
          }
          await deleteExpiredSessions(db, { now: NOW, policy: judged, limit: 1000 })
          const left = new Set(await sessionIds())
          const disagreeing = made.filter(
            (m) => left.has(m.id) === isSessionExpired(m, NOW, judged),
          )
          assert.deepEqual(disagreeing, [], `the purge and validation disagree`)
          const ended = made.filter((m) => isSessionExpired(m, NOW, judged)).length
          assert.ok(ended > 20 && ended < 130, `both kinds generated: ${ended} of 150 ended`)
        }
      })

      test('deletes at most `limit` sessions a call and reports how many', async () => {
        const ada = await addUser('Ada')
        const live = await addSession(ada)
        for (let i = 0; i < 5; i++) await addSession(ada, { ageSeconds: idle + i })
        const counts = []
        for (let i = 0; i < 4; i++)
          counts.push(await deleteExpiredSessions(db, { now: NOW, policy, limit: 2 }))
        assert.deepEqual(counts, [2, 2, 1, 0])
        assert.deepEqual(await sessionIds(), [live.session.id])
      })
    })

    describe('notices (migration 0014)', () => {
      const signIn = (userId: number, sessionId: string, ip: string) =>
        recordAuthEvent(db, { userId, kind: 'signed_in', sessionId, at: NOW, ip })

      async function validated(token: string): Promise<Session> {
        const result = await validateSessionToken(db, token, { now: NOW, policy })
        assert.ok(result)
        return result.session
      }

      test('a session starts told of every event of its account so far, and waits for none', async () => {
        const ada = await addUser('Ada')
        const old = await addSession(ada)
        await signIn(ada.id, old.session.id, '192.0.2.1')
        await recordAuthEvent(db, { userId: ada.id, kind: 'two_factor_failed', at: NOW })
        const { token, session } = await addSession(ada)
        const [{ newest }] = (await db.query<{ newest: number }>(
          'SELECT max(id) AS newest FROM auth_events',
        )) as [{ newest: number }]
        assert.equal(session.noticesSeenEventId, newest)
        assert.equal((await validated(token)).noticesSeenEventId, newest)
        const sessions = createSessions({ db, policy, clock: () => NOW })
        assert.deepEqual(await sessions.takeNotices(await validated(token)), [])
      })

      test('a sign-in marks the other sessions of its account only, never its own', async () => {
        const ada = await addUser('Ada')
        const bob = await addUser('Bob')
        const first = await addSession(ada)
        const second = await addSession(ada)
        const bobs = await addSession(bob)
        await signIn(ada.id, second.session.id, '192.0.2.2')
        const marked = await db.query<{ id: string; waiting: boolean }>(
          'SELECT id, notice_event_id > notices_seen_event_id AS waiting FROM sessions ORDER BY id',
        )
        assert.deepEqual(Object.fromEntries(marked.map((row) => [row.id, row.waiting])), {
          [first.session.id]: true,
          [second.session.id]: false,
          [bobs.session.id]: false,
        })
      })

      test('of two page views at once, one shows the notices and the other none; then they are spent', async () => {
        const ada = await addUser('Ada')
        const first = await addSession(ada)
        const second = await addSession(ada)
        await signIn(ada.id, second.session.id, '192.0.2.3')
        const session = await validated(first.token)
        const on = (handle: Database) => createSessions({ db: handle, policy, clock: () => NOW })
        const shown = await Promise.all([
          on(handles.first).takeNotices(session),
          on(handles.second).takeNotices({ ...session }),
        ])
        assert.deepEqual(shown.map((notices) => notices.length).sort(), [0, 1])
        assert.deepEqual(shown.flat()[0]?.ip, '192.0.2.3')
        const { q, statements } = recording(db)
        const again = await validated(first.token)
        assert.deepEqual(await on(handles.first).takeNotices(again), [])
        const kept = await validateSessionToken(q, first.token, { now: NOW, policy })
        assert.equal(kept?.session.noticeEventId, kept?.session.noticesSeenEventId)
        assert.equal(statements.length, 1, 'validation alone')
      })

      test('a notice marked while one was shown stays waiting', async () => {
        const ada = await addUser('Ada')
        const first = await addSession(ada)
        const second = await addSession(ada)
        await signIn(ada.id, second.session.id, '192.0.2.4')
        const before = await validated(first.token)
        await signIn(ada.id, second.session.id, '192.0.2.5')
        const sessions = createSessions({ db, policy, clock: () => NOW })
        assert.deepEqual(
          (await sessions.takeNotices(before)).map((n) => n.ip),
          ['192.0.2.4'],
        )
        assert.deepEqual(
          (await sessions.takeNotices(await validated(first.token))).map((n) => n.ip),
          ['192.0.2.5'],
        )
      })
    })

    describe('listMembers', () => {
      async function addMembers(count: number): Promise<number[]> {
        return db.transaction(async (tx) => {
          const ids: number[] = []
          for (let i = 0; i < count; i++) ids.push((await addUser(`member${i}`, tx)).id)
          return ids
        })
      }

      test('pages by id, newest first, with nextAfterId and one query a page without COUNT', async () => {
        const ids = await addMembers(MEMBERS_PAGE_SIZE * 2 + 20)
        const newestFirst = [...ids].reverse()
        const { q, statements } = recording(db)
        const pages = []
        let afterId: number | undefined
        for (;;) {
          const page = await listMembers(q, { afterId })
          pages.push(page)
          if (page.nextAfterId === null) break
          afterId = page.nextAfterId
          assert.ok(pages.length <= 3, 'it ends')
        }
        assert.deepEqual(
          pages.map((p) => p.members.length),
          [MEMBERS_PAGE_SIZE, MEMBERS_PAGE_SIZE, 20],
        )
        assert.deepEqual(
          pages.flatMap((p) => p.members.map((m) => m.id)),
          newestFirst,
        )
        assert.deepEqual(
          pages.map((p) => p.nextAfterId),
          [newestFirst[MEMBERS_PAGE_SIZE - 1], newestFirst[MEMBERS_PAGE_SIZE * 2 - 1], null],
        )
        const [first] = pages[0]!.members
        assert.deepEqual(first, {
          id: newestFirst[0],
          username: `member${ids.length - 1}`,
          createdAt: NOW,
        })
        assert.equal(statements.length, pages.length, 'one statement a page')
        for (const sql of statements) assert.doesNotMatch(sql, /count\s*\(/i)
      })

      test('exactly one full page of members has no next page', async () => {
        await addMembers(MEMBERS_PAGE_SIZE)
        const page = await listMembers(db)
        assert.equal(page.members.length, MEMBERS_PAGE_SIZE)
        assert.equal(page.nextAfterId, null)
      })

      test('no members is an empty page with no next page', async () => {
        assert.deepEqual(await listMembers(db), { members: [], nextAfterId: null })
      })
    })

    describe('loadServerSecret', () => {
      test('two concurrent calls from two instances return the same generated secret', async () => {
        for (let round = 0; round < 5; round++) {
          await db.query('DELETE FROM server_secrets')
          const [a, b] = await Promise.all([
            loadServerSecret(handles.first, undefined),
            loadServerSecret(handles.second, undefined),
          ])
          assert.equal(a, b, `round ${round}`)
          assert.match(a, /^[A-Za-z0-9_-]{43}$/, '32 random bytes, base64url')
          const rows = await db.query<{ value: string }>('SELECT value FROM server_secrets')
          assert.deepEqual(rows, [{ value: a }])
        }
      })

      test('the generated secret is kept: a later call returns it again', async () => {
        const first = await loadServerSecret(handles.first, undefined)
        assert.equal(await loadServerSecret(handles.second, undefined), first)
      })

      test('a configured SECRET_KEY wins over a secret kept in the database', async () => {
        const stored = await loadServerSecret(db, undefined)
        const configured = 'configured-secret-0123456789abcdef0123456789'
        assert.equal(await loadServerSecret(db, configured), configured)
        const rows = await db.query<{ value: string }>('SELECT value FROM server_secrets')
        assert.deepEqual(rows, [{ value: stored }], 'the stored secret is left as it was')
      })
    })
  })
}
