import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import { hiddenInputs } from '../helpers/client.js'
import { startServer, tempDir, type ChildServer } from '../helpers/child-server.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { clientAddress, LoadClient, RequestFailed, Tally } from '../helpers/load-client.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema } from '../helpers/pg-schema.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'

// docs/contract.md: "A 303 answer to a form means its change is committed: a crash
// (SIGKILL) right after does not lose it, on either database"; issue 14: "SIGKILL
// during a burst of registrations, sign-ins and revocations, on each engine: every
// 303/201 answered before the kill holds after restart; no half-made rows".
// tests/process/durability.test.ts kills the server after one quiet registration;
// here it dies in the middle of many writes at once, on the pages and the API alike.

const PASSWORD = 'a long and uncommon passphrase'
const FLOWS_AT_ONCE = 8
/** The kill comes once this many registrations are acknowledged, with others in flight. */
const KILL_AFTER_REGISTRATIONS = 24

const SERVER_ENV = {
  // Each flow is a client address of its own (X-Forwarded-For), as people are.
  TRUST_PROXY: 'true',
  SIGN_INS_PER_ADDRESS_PER_MINUTE: '1000',
  // The cheapest hashing allowed: more writes in the burst, and the hash is no subject here.
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
  PASSWORD_HASH_THREADS: '2',
}

/** What the server acknowledged for one account: each write's answer came in full. */
interface Acknowledged {
  username: string
  api: boolean
  /** The registration's session (its cookie value, or the API's bearer token). */
  firstSession?: { id: string; token: string }
  /** The sign-in's session, from another browser. */
  signIn?: { id: string; token: string }
  /** The first session was revoked from the sign-in's (303 or 204). */
  revoked?: boolean
  /** The revocation was sent (whatever became of it). */
  revokeSent?: boolean
}

const sessionIdOf = (token: string) => token.split('.')[0]!

/** One account's registration, sign-in elsewhere, and revocation of the first session. */
async function flow(
  baseUrl: string,
  i: number,
  tally: Tally,
  account: Acknowledged,
  /** Called once the registration's answer is in, before anything else happens. */
  registered: () => void,
) {
  const options = { tally, headers: { 'x-forwarded-for': clientAddress(i) } }
  const first = new LoadClient(baseUrl, options)
  const second = new LoadClient(baseUrl, options)
  const credentials = { username: account.username, password: PASSWORD }
  if (account.api) {
    const made = await first.json('POST', '/api/v1/users', { ...credentials, token: true })
    if (made.status !== 201) throw new Error(`POST /api/v1/users: ${made.status} ${made.body}`)
    const { token } = JSON.parse(made.body) as { token: string }
    account.firstSession = { id: sessionIdOf(token), token }
    registered()
    const signedIn = await second.json('POST', '/api/v1/session', { ...credentials, token: true })
    if (signedIn.status !== 201) throw new Error(`POST /api/v1/session: ${signedIn.status}`)
    const other = (JSON.parse(signedIn.body) as { token: string }).token
    account.signIn = { id: sessionIdOf(other), token: other }
    account.revokeSent = true
    const ended = await second.json(
      'DELETE',
      `/api/v1/sessions/${account.firstSession.id}`,
      undefined,
      other,
    )
    if (ended.status !== 204) throw new Error(`DELETE /api/v1/sessions/…: ${ended.status}`)
    account.revoked = true
    return
  }
  const made = await first.submit('/register', '/register', credentials)
  if (made.status !== 303) throw new Error(`POST /register: ${made.status}`)
  const token = first.jar.get('session')!
  account.firstSession = { id: sessionIdOf(token), token }
  registered()
  const signedIn = await second.submit('/login', '/login', credentials)
  if (signedIn.status !== 303) throw new Error(`POST /login: ${signedIn.status}`)
  const other = second.jar.get('session')!
  account.signIn = { id: sessionIdOf(other), token: other }
  const page = await second.get('/account')
  const fields = hiddenInputs(page.body, '/account/sessions/revoke')
  assert.equal(fields.session, account.firstSession.id, 'the other session is the first one')
  account.revokeSent = true
  const ended = await second.post('/account/sessions/revoke', fields)
  if (ended.status !== 303) throw new Error(`POST /account/sessions/revoke: ${ended.status}`)
  account.revoked = true
}

/** Counts of rows that a write cut in half would leave; every one must be 0. */
const HALF_MADE_ROWS = `
  SELECT
    (SELECT count(*)::int FROM users WHERE username_skeleton IS NULL) AS users_without_skeleton,
    (SELECT count(*)::int FROM users u WHERE NOT EXISTS
       (SELECT 1 FROM auth_events e WHERE e.user_id = u.id AND e.kind = 'registered'))
       AS users_without_registered_event,
    (SELECT count(*)::int FROM (SELECT user_id FROM auth_events WHERE kind = 'registered'
       GROUP BY user_id HAVING count(*) > 1) twice) AS users_registered_twice,
    -- Every account of the burst keeps a session: its first, or the sign-in's that
    -- revoked it (registration makes the account and its session in one transaction).
    (SELECT count(*)::int FROM users u WHERE NOT EXISTS
       (SELECT 1 FROM sessions s WHERE s.user_id = u.id)) AS users_without_session,
    (SELECT count(*)::int FROM sessions s WHERE NOT EXISTS
       (SELECT 1 FROM users u WHERE u.id = s.user_id)) AS sessions_of_missing_users,
    (SELECT count(*)::int FROM auth_events e WHERE e.user_id IS NOT NULL AND NOT EXISTS
       (SELECT 1 FROM users u WHERE u.id = e.user_id)) AS events_of_missing_users`

interface Rows {
  halfMade: Record<string, number>
  users: string[]
  sessionIds: Set<string>
  /** username → kinds of its events. */
  events: Map<string, string[]>
}

async function readRows(query: <Row>(sql: string) => Promise<Row[]>): Promise<Rows> {
  const [halfMade] = await query<Record<string, number>>(HALF_MADE_ROWS)
  const users = await query<{ username: string }>('SELECT username FROM users')
  const sessions = await query<{ id: string }>('SELECT id FROM sessions')
  const events = await query<{ username: string; kind: string }>(
    'SELECT u.username, e.kind FROM auth_events e JOIN users u ON u.id = e.user_id',
  )
  const byUser = new Map<string, string[]>()
  for (const { username, kind } of events)
    byUser.set(username, [...(byUser.get(username) ?? []), kind])
  return {
    halfMade: halfMade!,
    users: users.map((row) => row.username),
    sessionIds: new Set(sessions.map((row) => row.id)),
    events: byUser,
  }
}

interface Engine {
  name: string
  skip: string | false
  setUp(): Promise<{
    env: Record<string, string>
    /** The rows as they are with the server down. */
    rows(): Promise<Rows>
    tearDown(): Promise<void>
  }>
}

const engines: Engine[] = [
  {
    name: 'embedded PGlite',
    skip: false,
    async setUp() {
      const dir = await tempDir('logon-sigkill-')
      const dataDir = join(dir.path, 'data')
      return {
        env: { DATA_DIR: dataDir },
        async rows() {
          // The killed server's folder, opened as its next start opens it (recovery first).
          const db = await openPGliteDatabase(dataDir)
          try {
            return await readRows((sql) => db.query(sql))
          } finally {
            await db.close()
          }
        },
        tearDown: dir.remove,
      }
    },
  },
  {
    name: 'PostgreSQL',
    skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set',
    async setUp() {
      const schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_proc_')
      return {
        env: { DATABASE_URL: schema.urlFor(TEST_DATABASE_URL!) },
        async rows() {
          const client = new pg.Client({
            connectionString: TEST_DATABASE_URL,
            options: schema.options,
          })
          await client.connect()
          try {
            return await readRows(async (sql) => (await client.query(sql)).rows)
          } finally {
            await client.end()
          }
        },
        tearDown: schema.drop,
      }
    },
  },
]

for (const engine of engines) {
  describe(
    `SIGKILL in a burst of writes on ${engine.name}`,
    { skip: engine.skip, timeout: 90_000 },
    () => {
      let setUp: Awaited<ReturnType<Engine['setUp']>> | undefined
      const servers: ChildServer[] = []
      before(async () => {
        setUp = await engine.setUp()
      })
      after(async () => {
        for (const server of servers) await server.kill()
        await setUp?.tearDown()
      })

      test('every registration, sign-in and revocation answered before the kill holds after the restart, and no row is half made', async (t) => {
        const env = { ...SERVER_ENV, ...setUp!.env }
        const first = await startServer(env)
        servers.push(first)

        const tally = new Tally()
        const accounts: Acknowledged[] = []
        let killedAt = Infinity
        // Killed in the very tick the last registration's answer is in: nothing may be
        // left to flush after a 303 or a 201, and the other flows are mid-write.
        const acknowledged = () => {
          const registrations = accounts.filter((a) => a.firstSession).length
          if (registrations < KILL_AFTER_REGISTRATIONS || killedAt !== Infinity) return
          killedAt = Date.now()
          first.proc.kill('SIGKILL')
        }
        let next = 0
        const workers = Array.from({ length: FLOWS_AT_ONCE }, async () => {
          while (killedAt === Infinity) {
            const i = next++
            const account: Acknowledged = { username: `burst_${i}`, api: i % 2 === 1 }
            accounts.push(account)
            try {
              await flow(first.baseUrl, i, tally, account, acknowledged)
            } catch (error) {
              // The kill ends the flows in flight; before it, every write must succeed.
              if (!(error instanceof RequestFailed) || killedAt === Infinity) throw error
            }
          }
        })
        await Promise.all(workers)
        assert.equal((await first.exited).signal, 'SIGKILL')

        const registered = accounts.filter((a) => a.firstSession)
        const signedIn = accounts.filter((a) => a.signIn)
        const revoked = accounts.filter((a) => a.revoked)
        const cut = tally.failed
        t.diagnostic(
          `${tally.outcomes.length} requests before the kill (${tally.summary()}): ` +
            `${accounts.length} accounts begun, ${registered.length} registrations, ` +
            `${signedIn.length} sign-ins and ${revoked.length} revocations acknowledged; ` +
            `${cut.length} requests failed once killed (${cut.map((o) => o.what).join(', ')}); ` +
            `max latency ${tally.maxMs()} ms`,
        )
        assert.ok(cut.length > 0, 'the kill came with requests in flight')

        // With the server down: the rows as the crash left them.
        const rows = await setUp!.rows()
        t.diagnostic(
          `after the kill: ${rows.users.length} accounts, ${rows.sessionIds.size} sessions; ` +
            `half-made rows ${JSON.stringify(rows.halfMade)}`,
        )
        for (const [what, count] of Object.entries(rows.halfMade)) {
          assert.equal(count, 0, `no half-made rows: ${what}`)
        }
        for (const account of registered) {
          assert.ok(rows.users.includes(account.username), `${account.username} is there`)
          assert.ok(rows.events.get(account.username)?.includes('registered'))
        }
        for (const account of signedIn) {
          assert.ok(rows.sessionIds.has(account.signIn!.id), `${account.username}: signed in`)
          assert.ok(rows.events.get(account.username)?.includes('signed_in'))
        }
        for (const account of revoked) {
          assert.ok(!rows.sessionIds.has(account.firstSession!.id), `${account.username}: revoked`)
          assert.ok(rows.events.get(account.username)?.includes('session_revoked'))
        }
        for (const account of registered.filter((a) => !a.revokeSent)) {
          assert.ok(rows.sessionIds.has(account.firstSession!.id), `${account.username}: kept`)
        }

        // And as people see it, through the restarted server.
        const second = await startServer(env)
        servers.push(second)
        const again = new Tally()
        let index = 0
        await Promise.all(
          Array.from({ length: 4 }, async () => {
            for (let k = index++; k < registered.length; k = index++) {
              const account = registered[k]!
              const client = (token?: string) =>
                new LoadClient(second.baseUrl, {
                  tally: again,
                  headers: { 'x-forwarded-for': clientAddress(1000 + k) },
                }).withSession(token)
              const name = account.username
              const signIn = await client().submit('/login', '/login', {
                username: name,
                password: PASSWORD,
              })
              assert.equal(signIn.status, 303, `${name} signs in after the restart`)
              if (account.signIn) {
                const home = await client(account.signIn.token).get('/')
                assert.equal(signedInAs(home.body), name, `${name}: the sign-in's session holds`)
              }
              const firstHome = await client(account.firstSession!.token).get('/')
              if (account.revoked) {
                assert.equal(signedInAs(firstHome.body), null, `${name}: the revoked one is out`)
                const api = await client().json(
                  'GET',
                  '/api/v1/session',
                  undefined,
                  account.firstSession!.token,
                )
                assert.equal(api.status, 401, `${name}: the revoked bearer is no one`)
              } else if (!account.revokeSent) {
                assert.equal(signedInAs(firstHome.body), name, `${name}: the first session holds`)
              }
            }
          }),
        )
        t.diagnostic(`after the restart: ${again.outcomes.length} requests, ${again.summary()}`)
      })
    },
  )
}
