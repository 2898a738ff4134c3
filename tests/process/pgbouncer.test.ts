import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ChangeFeed } from '../../src/cache/change-feed.js'
import { ListenThroughPoolerError } from '../../src/db/database.js'
import { openDatabase } from '../../src/db/open.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { StartUp, StartUpFailure } from '../../src/start-up.js'
import { freePort, startServer, type ChildServer } from '../helpers/child-server.js'
import { hiddenInputs } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { HttpBrowser } from '../helpers/http-request.js'
import { signedInAs } from '../helpers/pages.js'
import { adminQuery } from '../helpers/pg-schema.js'
import { pgbouncerSkipReason, startPgBouncer, type PgBouncer } from '../helpers/pgbouncer.js'
import { recoveryCodesOf, setupSecretOf, codeAt } from '../helpers/two-factor.js'

// Logon behind PgBouncer in transaction mode (docs/deploy.md "PgBouncer"), with a pool
// of 2 server connections that every instance shares: the pages and the API work, the
// change feed listens on PostgreSQL directly (DATABASE_LISTEN_URL) and a session
// revoked on one instance is refused by another within a second; without
// DATABASE_LISTEN_URL the caches stay off, the log says so once, and a revoked
// session is refused at once. PgBouncer passes no `options` startup parameter, so
// each test database is a database of its own (not a schema), dropped after.

const PASSWORD = 'a long and uncommon passphrase'
const NEW_PASSWORD = 'another long and uncommon passphrase'
const REVOCATION_BOUND_MS = 1_000
const POOLER_WARNING = /change notifications cannot pass a connection pooler/

const skip = TEST_DATABASE_URL ? pgbouncerSkipReason() : 'TEST_DATABASE_URL is not set'

/** TEST_DATABASE_URL with another database. */
function directUrl(database: string): string {
  const url = new URL(TEST_DATABASE_URL!)
  url.pathname = `/${database}`
  return url.toString()
}

/** The value of one series in Prometheus's text format, or undefined. */
async function scrape(metricsPort: number, series: string): Promise<string | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line?.slice(series.length + 1)
}

async function isSignedIn(browser: HttpBrowser): Promise<boolean> {
  const home = await browser.get('/')
  assert.equal(home.status, 200)
  return signedInAs(home.body) !== null
}

/** A browser on `server` holding the cookies of `other` (the same person, another instance). */
function sameCookies(server: ChildServer, other: HttpBrowser): HttpBrowser {
  const browser = new HttpBrowser(server.baseUrl)
  for (const [name, value] of other.jar) browser.jar.set(name, value)
  return browser
}

function sessionIdOf(browser: HttpBrowser): string {
  const token = browser.jar.get('session')
  assert.ok(token, 'a session cookie')
  return token.split('.')[0]!
}

async function register(server: ChildServer, name: string): Promise<HttpBrowser> {
  const browser = new HttpBrowser(server.baseUrl)
  const answer = await browser.submit('/register', '/register', {
    username: name,
    password: PASSWORD,
  })
  assert.equal(answer.status, 303, answer.body)
  assert.equal(answer.headers.location, '/')
  return browser
}

async function signIn(server: ChildServer, name: string, password = PASSWORD) {
  const browser = new HttpBrowser(server.baseUrl)
  const answer = await browser.submit('/login', '/login', { username: name, password })
  return { browser, answer }
}

/** Milliseconds until `check` holds, polled every 10 ms; fails after `limitMs`. */
async function msUntil(check: () => Promise<boolean>, limitMs: number, what: string) {
  const started = performance.now()
  for (;;) {
    if (await check()) return performance.now() - started
    if (performance.now() - started > limitMs) assert.fail(`not within ${limitMs} ms: ${what}`)
    await sleep(10)
  }
}

describe('behind PgBouncer in transaction mode', { skip, timeout: 180_000 }, () => {
  const suffix = randomBytes(5).toString('hex')
  // `logon`: the servers' database, its role given the timeouts as docs/deploy.md says;
  // `bare`: one without them.
  const databases = { logon: `logon_pgb_${suffix}`, bare: `logon_pgb_bare_${suffix}` }
  let bouncer: PgBouncer
  let user: string

  before(async () => {
    user = decodeURIComponent(new URL(TEST_DATABASE_URL!).username) || 'postgres'
    for (const database of Object.values(databases)) {
      await adminQuery(TEST_DATABASE_URL!, `CREATE DATABASE ${database}`)
    }
    for (const setting of ['statement_timeout', 'lock_timeout']) {
      await adminQuery(
        TEST_DATABASE_URL!,
        `ALTER ROLE "${user}" IN DATABASE ${databases.logon} SET ${setting} = '2s'`,
      )
    }
    bouncer = await startPgBouncer({ serverUrl: TEST_DATABASE_URL!, databases, poolSize: 2 })
  })

  after(async () => {
    await bouncer?.stop()
    for (const database of Object.values(databases)) {
      await adminQuery(TEST_DATABASE_URL!, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`)
    }
  })

  describe('opening the database through it', () => {
    function open(databaseUrl: string, databaseListenUrl?: string) {
      const startUp = new StartUp()
      const warnings: string[] = []
      const opened = openDatabase({ databaseUrl, databaseListenUrl, dataDir: '' }, startUp, {
        onIdleError: () => {},
        onWarning: (message) => warnings.push(message),
      })
      return { opened, warnings, close: () => startUp.stop() }
    }

    test('migrates, sets the timeouts in each transaction, and warns naming DATABASE_URL while the role lacks them', async () => {
      const bare = open(bouncer.urlFor('bare'))
      try {
        const { db, applied } = await bare.opened
        assert.ok(applied.length > 0, 'the migrations ran through PgBouncer')
        const [inside] = await db.transaction((tx) =>
          tx.query<{ statement_timeout: string }>('SHOW statement_timeout'),
        )
        assert.equal(inside?.statement_timeout, '2s')
        const [outside] = await db.query<{ statement_timeout: string }>('SHOW statement_timeout')
        assert.equal(outside?.statement_timeout, '0', 'no startup options through PgBouncer')
        assert.equal(bare.warnings.length, 1, bare.warnings.join('\n'))
        assert.match(
          bare.warnings[0]!,
          /^DATABASE_URL: statements outside a transaction run without a server-side statement_timeout or lock_timeout/,
        )
      } finally {
        await bare.close()
      }

      const configured = open(bouncer.urlFor('logon'))
      try {
        const { db } = await configured.opened
        const [outside] = await db.query<{ statement_timeout: string }>('SHOW statement_timeout')
        assert.equal(outside?.statement_timeout, '2s')
        assert.deepEqual(configured.warnings, [], 'the role has them: nothing to say')
      } finally {
        await configured.close()
      }
    })

    test('DATABASE_LISTEN_URL through PgBouncer stops the start, naming it', async () => {
      const through = open(bouncer.urlFor('logon'), bouncer.urlFor('logon'))
      try {
        await assert.rejects(through.opened, (error: unknown) => {
          assert.ok(error instanceof StartUpFailure)
          assert.match(
            error.message,
            /^DATABASE_LISTEN_URL: the database at 127\.0\.0\.1:\d+ must be a direct connection to PostgreSQL: a connection pooler answers/,
          )
          return true
        })
      } finally {
        await through.close()
      }
    })

    test('DATABASE_LISTEN_URL on another database than DATABASE_URL stops the start, naming it', async () => {
      const elsewhere = open(bouncer.urlFor('logon'), directUrl(databases.bare))
      try {
        await assert.rejects(elsewhere.opened, {
          message:
            /^DATABASE_LISTEN_URL: a notification sent through DATABASE_URL did not reach .* both must lead to the same database$/,
        })
      } finally {
        await elsewhere.close()
      }
    })
  })

  test('the change feed does not listen through it: it says so once, naming DATABASE_LISTEN_URL, and is never current', async () => {
    // A LISTEN through PgBouncer is not refused, and some of the notifications (its own
    // heartbeats among them) do come back: a feed that trusted them would count as
    // current while other instances' changes went to other clients.
    const db = openPostgresDatabase(bouncer.urlFor('bare'), { serverTimeouts: 'transaction' })
    const errors: Array<{ error: unknown; message: string }> = []
    const feed = await ChangeFeed.start(db, {
      onChange: () => {},
      onReset: () => {},
      onError: (error, message) => errors.push({ error, message }),
    })
    try {
      // Past the second after which a lost connection is tried again, with heartbeats due.
      for (let i = 0; i < 15; i++) {
        assert.equal(feed.isCurrent(), false)
        await sleep(100)
      }
      assert.equal(errors.length, 1, errors.map((e) => e.message).join('\n'))
      assert.ok(errors[0]!.error instanceof ListenThroughPoolerError)
      assert.match(errors[0]!.message, POOLER_WARNING)
      assert.match(errors[0]!.message, /DATABASE_LISTEN_URL/)
      assert.equal(feed.heartbeatAgeMs(), Number.POSITIVE_INFINITY)
      await assert.rejects(feed.caughtUp(), /not listening/)
    } finally {
      await feed.close()
      await db.close()
    }
  })

  describe('three instances: two listening on PostgreSQL directly, one without DATABASE_LISTEN_URL', () => {
    let one: ChildServer
    let two: ChildServer
    let blind: ChildServer
    const metricsPorts = new Map<ChildServer, number>() // every server started, and its port
    let members = 0
    const nextName = () => `member${++members}`

    before(async () => {
      const start = async (env: Record<string, string>) => {
        const metricsPort = await freePort()
        const server = await startServer(
          { ...env, DATABASE_URL: bouncer.urlFor('logon'), METRICS_PORT: String(metricsPort) },
          { timeoutMs: 60_000 },
        )
        metricsPorts.set(server, metricsPort)
        return server
      }
      const listen = { DATABASE_LISTEN_URL: directUrl(databases.logon) }
      // Together: the migrations' lock is a transaction's, so it holds through PgBouncer.
      ;[one, two, blind] = await Promise.all([start(listen), start(listen), start({})])
    })

    after(async () => {
      for (const server of metricsPorts.keys()) await server.kill()
    })

    test('register, sign in, the account page, revocation, password change, two-factor sign-in and sign-out', async () => {
      const name = nextName()
      const phone = await register(one, name)
      assert.equal(signedInAs((await phone.get('/')).body), name)

      const { browser: laptop, answer: signedIn } = await signIn(one, name)
      assert.equal(signedIn.status, 303)
      const account = await phone.get('/account')
      assert.equal(account.status, 200)
      const laptopId = sessionIdOf(laptop)
      assert.ok(account.body.includes(`value="${laptopId}"`), 'the laptop is listed')
      const revoked = await phone.post('/account/sessions/revoke', {
        ...hiddenInputs(account.body, '/account/sessions/revoke'),
        session: laptopId,
      })
      assert.equal(revoked.status, 303)
      assert.equal(revoked.headers.location, '/account')
      assert.equal(await isSignedIn(laptop), false, 'the revoked session is refused')
      assert.equal(await isSignedIn(phone), true)

      const { browser: tablet } = await signIn(one, name)
      assert.equal(await isSignedIn(tablet), true)
      const changed = await phone.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(changed.status, 303, changed.body)
      assert.equal(await isSignedIn(tablet), false, 'the password change ended the others')
      assert.equal(await isSignedIn(phone), true)
      assert.equal((await signIn(one, name)).answer.status, 401, 'the old password')

      const setup = await phone.get('/account/two-factor')
      assert.equal(setup.status, 200)
      const secret = setupSecretOf(setup.body)
      const enabled = await phone.post('/account/two-factor', {
        ...hiddenInputs(setup.body, '/account/two-factor'),
        code: codeAt(secret, new Date()),
      })
      assert.equal(enabled.status, 200)
      const [recoveryCode] = recoveryCodesOf(enabled.body)
      assert.ok(recoveryCode, 'recovery codes shown')

      const out = await phone.submit('/', '/logout', {})
      assert.equal(out.status, 303)
      assert.equal(await isSignedIn(phone), false)

      const { browser: again, answer: firstStep } = await signIn(one, name, NEW_PASSWORD)
      assert.equal(firstStep.status, 303)
      assert.match(String(firstStep.headers.location), /^\/login\/two-factor/)
      assert.equal(await isSignedIn(again), false, 'not signed in before the second step')
      const secondStep = await again.submit('/login/two-factor', '/login/two-factor', {
        code: recoveryCode,
      })
      assert.equal(secondStep.status, 303)
      assert.equal(signedInAs((await again.get('/')).body), name)
    })

    test('the API: sign up with a token, read the session and the members, end it', async () => {
      const api = `${one.baseUrl}/api/v1`
      const name = nextName()
      const created = await fetch(`${api}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: name, password: PASSWORD, token: true }),
      })
      assert.equal(created.status, 201)
      const { token } = (await created.json()) as { token: string }
      const bearer = { authorization: `Bearer ${token}` }
      const session = await fetch(`${api}/session`, { headers: bearer })
      assert.equal(session.status, 200)
      assert.equal(((await session.json()) as { user: { username: string } }).user.username, name)
      const listed = await fetch(`${api}/members`, { headers: bearer })
      assert.equal(listed.status, 200)
      const { members: page } = (await listed.json()) as { members: { username: string }[] }
      assert.equal(page[0]?.username, name)
      const ended = await fetch(`${api}/session`, { method: 'DELETE', headers: bearer })
      assert.equal(ended.status, 204)
      const after = await fetch(`${api}/session`, { headers: bearer })
      assert.equal(after.status, 401)
      assert.equal(((await after.json()) as { code: string }).code, 'unauthenticated')
    })

    test('a session revoked on one instance is refused by the other within a second', async (t) => {
      const fresh = () =>
        scrape(metricsPorts.get(two)!, 'logon_change_feed_fresh').then((v) => v === '1')
      await msUntil(fresh, 5_000, "instance two's caches in use")
      const name = nextName()
      const phone = await register(one, name)
      const phoneOnTwo = sameCookies(two, phone)
      assert.equal(await isSignedIn(phoneOnTwo), true)
      assert.equal(await isSignedIn(phoneOnTwo), true) // now from instance two's memory

      const { browser: laptop } = await signIn(one, name)
      const revoke = await laptop.submit('/account', '/account/sessions/revoke', {
        'all-others': '1',
      })
      assert.equal(revoke.status, 303)
      const revokedAt = performance.now()
      assert.equal(await isSignedIn(phone), false, 'refused at once where revoked')
      await msUntil(async () => !(await isSignedIn(phoneOnTwo)), 5_000, 'refused by two')
      const elapsed = performance.now() - revokedAt
      t.diagnostic(`refused by the other instance after ${elapsed.toFixed(0)} ms`)
      assert.ok(elapsed < REVOCATION_BOUND_MS, `refused by the other after ${elapsed} ms`)
      assert.equal(await isSignedIn(sameCookies(two, laptop)), true, 'the revoking device stays')
    })

    test('without DATABASE_LISTEN_URL: caches off, a session revoked elsewhere is refused at the next request', async () => {
      assert.equal(await scrape(metricsPorts.get(blind)!, 'logon_change_feed_fresh'), '0')
      assert.equal(
        await scrape(metricsPorts.get(blind)!, 'logon_change_feed_heartbeat_age_seconds'),
        '+Inf',
      )
      const name = nextName()
      const phone = await register(blind, name)
      assert.equal(await isSignedIn(phone), true)
      assert.equal(await isSignedIn(phone), true)
      const { browser: laptop } = await signIn(one, name)
      const revoke = await laptop.submit('/account', '/account/sessions/revoke', {
        'all-others': '1',
      })
      assert.equal(revoke.status, 303)
      assert.equal(await isSignedIn(phone), false, 'refused by the first request after')
    })

    test('the instance without DATABASE_LISTEN_URL said so once, naming it; the others said nothing of the kind', async () => {
      const said = blind
        .stdout()
        .split('\n')
        .filter((line) => POOLER_WARNING.test(line))
      assert.equal(said.length, 1, blind.stdout())
      const line = JSON.parse(said[0]!) as { level: number; msg: string }
      assert.equal(line.level, 40, 'a warning')
      assert.match(line.msg, /set DATABASE_LISTEN_URL to a direct connection/)
      for (const server of [one, two, blind]) {
        assert.doesNotMatch(server.stdout(), /statements outside a transaction/)
      }
      for (const server of [one, two]) {
        assert.doesNotMatch(server.stdout(), /change notifications|heartbeat/)
      }
      assert.equal(await scrape(metricsPorts.get(one)!, 'logon_change_feed_fresh'), '1')
    })
  })
})
