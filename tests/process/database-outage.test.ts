import type { FastifyInstance, LightMyRequestResponse } from 'fastify'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildApp } from '../../src/app.js'
import { FRESHNESS_MS } from '../../src/cache/change-feed.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TestClient } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// docs/contract.md: "A database that does not answer: every request that needs it gets
// 503 within 5 s with a short plain message; /readyz turns 503 within 5 s and back
// to 200 within 10 s of the database's return." The app talks to the real
// PostgreSQL server through a TCP proxy the tests can cut.

const PASSWORD = 'correct horse battery staple'
const USERNAME = 'Outage_Olga'

async function timed(
  request: () => Promise<LightMyRequestResponse>,
): Promise<{ response: LightMyRequestResponse; ms: number }> {
  const start = performance.now()
  const response = await request()
  return { response, ms: Math.round(performance.now() - start) }
}

/** Polls GET /readyz until 200; returns how long it took, or fails after `timeoutMs`. */
async function readyWithin(app: FastifyInstance, timeoutMs: number): Promise<number> {
  const start = Date.now()
  let last = 0
  while (Date.now() - start < timeoutMs) {
    last = (await app.inject({ method: 'GET', url: '/readyz' })).statusCode
    if (last === 200) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  assert.fail(`/readyz still answered ${last} ${timeoutMs} ms after the database came back`)
}

/** The 503 of docs/contract.md: short, plain text, nothing of the failure inside. */
function assertPlainUnavailable(response: LightMyRequestResponse, what: string): void {
  assert.equal(response.statusCode, 503, `${what}: ${response.body.slice(0, 200)}`)
  assert.match(String(response.headers['content-type']), /^text\/plain/, what)
  assert.ok(response.body.length > 0 && response.body.length <= 200, `${what}: a short message`)
  assert.doesNotMatch(response.body, /\n\s+at |\.ts:\d+|\.js:\d+/, `${what}: no stack trace`)
  assert.doesNotMatch(
    response.body,
    /\b(select|insert|update|delete|from|where|sessions|users)\b/i,
    `${what}: no SQL`,
  )
  assert.doesNotMatch(
    response.body,
    /error|timeout|timed out|ECONN|refused|terminated|postgres|\bpg\b|127\.0\.0\.1|5432/i,
    `${what}: no error internals`,
  )
}

describe(
  'a database that stops answering',
  {
    skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL',
    timeout: 60_000,
  },
  () => {
    let schema: TestSchema
    let proxy: TcpProxy
    let db: Database
    let app: FastifyInstance
    let member: TestClient

    before(async () => {
      const target = new URL(TEST_DATABASE_URL!)
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_proc_')
      proxy = await TcpProxy.start({
        host: target.hostname,
        port: Number(target.port || 5432),
      })
      db = openPostgresDatabase(proxy.urlFor(TEST_DATABASE_URL!), { options: schema.options })
      await migrate(db)
      app = await buildApp({ config: loadConfig({ LOG_LEVEL: 'silent' }), db, secret: TEST_SECRET })
      await app.ready()
      member = new TestClient(app)
      assert.equal((await member.register(USERNAME, PASSWORD)).statusCode, 303)
    })

    after(async () => {
      // Every step runs even if one fails: a handle left open would keep the test
      // process alive, and the whole run would hang instead of failing.
      const failures: unknown[] = []
      const steps = [
        () => proxy?.restore(),
        () => app?.close(),
        () => db?.close(),
        () => proxy?.close(),
        () => schema?.drop(),
      ]
      for (const step of steps) await Promise.resolve(step()).catch((error) => failures.push(error))
      if (failures.length > 0) throw failures[0]
    })

    test('the signed-in page works through the proxy before any outage', async () => {
      const home = await member.get('/')
      assert.equal(home.statusCode, 200)
      assert.equal(signedInAs(home.body), USERNAME)
      assert.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200)
    })

    test('a hung database: pages that need it answer a plain 503 within 5 s, /healthz and the sign-in form keep answering, /readyz turns 503 within 5 s', async (t) => {
      proxy.blackhole()
      // For up to FRESHNESS_MS, a signed-in page may still come from memory (kept
      // data the change feed vouched for, docs/decisions/0006): no database needed.
      // Past that, every page needs the database and must answer 503.
      await sleep(FRESHNESS_MS + 50)
      const visitor = new TestClient(app)
      // The sign-in form needs no database; its token is needed for the POST below.
      const form = await timed(() => visitor.get('/login'))
      assert.equal(form.response.statusCode, 200)
      assert.ok(form.ms < 1_000, `GET /login took ${form.ms} ms`)

      // All at once, as a browser's users would.
      const [home, signIn, registration, ready, healthz] = await Promise.all([
        timed(() => member.get('/')),
        timed(() => visitor.submit('/login', '/login', { username: USERNAME, password: PASSWORD })),
        timed(() =>
          new TestClient(app).register('Newcomer_Nils', 'another long enough passphrase'),
        ),
        timed(() => app.inject({ method: 'GET', url: '/readyz' })),
        timed(() => app.inject({ method: 'GET', url: '/healthz' })),
      ])
      t.diagnostic(
        `GET / ${home.ms} ms, POST /login ${signIn.ms} ms, POST /register ${registration.ms} ms, ` +
          `/readyz ${ready.ms} ms, /healthz ${healthz.ms} ms`,
      )

      assertPlainUnavailable(home.response, 'GET / signed in')
      assert.ok(home.ms < 5_000, `GET / took ${home.ms} ms`)
      assertPlainUnavailable(signIn.response, 'POST /login')
      assert.ok(signIn.ms < 5_000, `POST /login took ${signIn.ms} ms`)
      assertPlainUnavailable(registration.response, 'POST /register')
      assert.ok(registration.ms < 5_000, `POST /register took ${registration.ms} ms`)

      assert.equal(ready.response.statusCode, 503)
      assert.ok(ready.ms < 5_000, `/readyz took ${ready.ms} ms`)
      assert.equal(healthz.response.statusCode, 200)
      assert.ok(healthz.ms < 1_000, `/healthz took ${healthz.ms} ms`)

      assert.ok(member.jar.has('session'), 'a 503 does not sign the member out')
    })

    test('after a hang, /readyz is 200 within 10 s of the database coming back and the member is still signed in', async (t) => {
      await proxy.restore()
      t.diagnostic(`ready ${await readyWithin(app, 10_000)} ms after the database came back`)
      const home = await member.get('/')
      assert.equal(home.statusCode, 200)
      assert.equal(signedInAs(home.body), USERNAME)
    })

    test('a database that refuses connections: a quick plain 503, /readyz 503, then 200 within 10 s of its return', async (t) => {
      await proxy.refuse()
      const home = await timed(() => member.get('/'))
      const ready = await timed(() => app.inject({ method: 'GET', url: '/readyz' }))
      t.diagnostic(`GET / ${home.ms} ms, /readyz ${ready.ms} ms`)
      assertPlainUnavailable(home.response, 'GET / signed in')
      assert.ok(home.ms < 2_000, `a refused connection is no reason to wait: ${home.ms} ms`)
      assert.equal(ready.response.statusCode, 503)
      assert.ok(ready.ms < 2_000, `/readyz took ${ready.ms} ms`)
      const healthz = await app.inject({ method: 'GET', url: '/healthz' })
      assert.equal(healthz.statusCode, 200)

      await proxy.restore()
      t.diagnostic(`ready ${await readyWithin(app, 10_000)} ms after the database came back`)
      const again = await member.get('/')
      assert.equal(again.statusCode, 200)
      assert.equal(signedInAs(again.body), USERNAME)
    })
  },
)
