import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildApp, cachesOf } from '../../src/app.js'
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

// Issue 4: each instance keeps sessions in memory (src/cache/). A session revoked
// on one instance must be refused by the instance that revoked it at once, and by
// every other instance within one second at worst, even when the notifications
// that tell it so are stalled. Two instances of the app share one PostgreSQL
// schema, each with a pool of its own; each one's change notifications come
// through a proxy that a test can freeze.

const PASSWORD = 'correct horse battery staple'
const REVOCATION_BOUND_MS = 1_000

interface Instance {
  app: FastifyInstance
  db: Database
  notifications: TcpProxy
  /** A client of this instance holding `cookies`. */
  client(cookies: Map<string, string>): TestClient
}

async function startInstance(schema: TestSchema): Promise<Instance> {
  const target = new URL(TEST_DATABASE_URL!)
  const notifications = await TcpProxy.start({
    host: target.hostname,
    port: Number(target.port || 5432),
  })
  const db = openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options })
  const listening = openPostgresDatabase(notifications.urlFor(TEST_DATABASE_URL!), {
    options: schema.options,
  })
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    db: { ...db, listen: listening.listen },
    secret: TEST_SECRET,
  })
  await app.ready()
  return {
    app,
    db,
    notifications,
    client(cookies) {
      const client = new TestClient(app)
      for (const [name, value] of cookies) client.jar.set(name, value)
      return client
    },
  }
}

async function isSignedIn(client: TestClient): Promise<boolean> {
  const response = await client.get('/')
  assert.equal(response.statusCode, 200)
  return signedInAs(response.body) !== null
}

/** Milliseconds until `check` holds, polled every 10 ms; fails after `limitMs`. */
async function msUntil(check: () => Promise<boolean>, limitMs = 5_000): Promise<number> {
  const started = performance.now()
  for (;;) {
    if (await check()) return performance.now() - started
    if (performance.now() - started > limitMs) assert.fail(`not within ${limitMs} ms`)
    await sleep(10)
  }
}

function sessionIdOf(cookies: Map<string, string>): string {
  const token = cookies.get('session')
  assert.ok(token, 'a session cookie')
  return token.split('.')[0]!
}

describe(
  'two instances on one PostgreSQL: a revoked session',
  { skip: TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL' },
  () => {
    let schema: TestSchema
    let one: Instance
    let two: Instance
    let users = 0

    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_two_')
      const db = openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options })
      await migrate(db)
      await db.close()
      one = await startInstance(schema)
      two = await startInstance(schema)
    })

    after(async () => {
      for (const instance of [one, two]) {
        if (!instance) continue
        await instance.notifications.restore()
        await instance.app.close()
        await instance.db.close()
        await instance.notifications.close()
      }
      await schema?.drop()
    })

    /** A new member signed in on instance one, and the same cookies seen by both instances. */
    async function signedInEverywhere(): Promise<Map<string, string>> {
      const member = new TestClient(one.app)
      assert.equal((await member.register(`member${++users}`, PASSWORD)).statusCode, 303)
      const cookies = new Map(member.jar)
      for (const instance of [one, two]) {
        // After a test that froze its notifications, an instance listens anew within ~1 s.
        const caches = cachesOf(instance.app)!
        await msUntil(() =>
          caches.caughtUp().then(
            () => true,
            () => false,
          ),
        )
        assert.ok(await isSignedIn(instance.client(cookies)))
        // The next page view is answered from memory: the test is about the cache.
        assert.ok(cachesOf(instance.app)!.sessions.get(sessionIdOf(cookies)), 'kept in memory')
      }
      return cookies
    }

    /**
     * The session of `cookies`, just ended through instance one at `endedAt`: refused
     * by one at once and by two within the bound. Returns how long two took.
     */
    async function refusedByBoth(cookies: Map<string, string>, endedAt: number): Promise<number> {
      assert.equal(await isSignedIn(one.client(cookies)), false, 'refused at once where revoked')
      await msUntil(async () => !(await isSignedIn(two.client(cookies))))
      const elapsed = performance.now() - endedAt
      assert.ok(elapsed < REVOCATION_BOUND_MS, `refused by the other after ${elapsed} ms`)
      return elapsed
    }

    test('signed out on one instance is refused there at once and on the other within a second', async (t) => {
      const cookies = await signedInEverywhere()
      assert.equal((await one.client(cookies).logout()).statusCode, 303)
      const elapsed = await refusedByBoth(cookies, performance.now())
      t.diagnostic(`refused by the other instance after ${elapsed.toFixed(0)} ms`)
    })

    test('revoked from another device while the other instance hears nothing: refused within a second', async (t) => {
      const cookies = await signedInEverywhere()
      const laptop = new TestClient(one.app)
      const name = `member${users}`
      assert.equal((await laptop.login(name, PASSWORD)).statusCode, 303)
      // Instance two's notifications stop arriving, with no error to say so.
      two.notifications.blackhole()
      try {
        const revoke = await laptop.submit('/account', '/account/sessions/revoke', {
          'all-others': '1',
        })
        assert.equal(revoke.statusCode, 303)
        const elapsed = await refusedByBoth(cookies, performance.now())
        t.diagnostic(`refused by the other instance after ${elapsed.toFixed(0)} ms`)
        assert.ok(await isSignedIn(two.client(laptop.jar)), 'the revoking device stays signed in')
      } finally {
        await two.notifications.restore()
      }
    })

    test('revoked on an instance whose own notifications are stalled: refused there at once', async () => {
      const cookies = await signedInEverywhere()
      one.notifications.blackhole()
      try {
        const laptop = new TestClient(one.app)
        assert.equal((await laptop.login(`member${users}`, PASSWORD)).statusCode, 303)
        await laptop.submit('/account', '/account/sessions/revoke', { 'all-others': '1' })
        assert.equal(await isSignedIn(one.client(cookies)), false)
      } finally {
        await one.notifications.restore()
      }
    })

    test('a new member is listed by the instance that registered it at once and by the other within a second', async (t) => {
      const cookies = await signedInEverywhere()
      const viewerOnTwo = two.client(cookies)
      await viewerOnTwo.get('/') // the first page of members is now kept by instance two
      const newcomer = new TestClient(one.app)
      assert.equal((await newcomer.register('newcomer', PASSWORD)).statusCode, 303)
      const registeredAt = performance.now()
      assert.match((await newcomer.get('/')).body, /class="member-name">newcomer</)
      await msUntil(async () => (await viewerOnTwo.get('/')).body.includes('>newcomer<'))
      const elapsed = performance.now() - registeredAt
      assert.ok(elapsed < REVOCATION_BOUND_MS, `listed by the other after ${elapsed} ms`)
      t.diagnostic(`listed by the other instance after ${elapsed.toFixed(0)} ms`)
    })
  },
)
