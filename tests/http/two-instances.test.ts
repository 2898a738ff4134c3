import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp, cachesOf } from '../../src/app.js'
import { loadServerSecret } from '../../src/auth/server-secret.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'

// Two instances on one database behave as one. Each instance
// here has its own pool, migrates and loads the generated secret as main.ts does.

const PASSWORD = 'a long and uncommon passphrase'

describe(
  'two instances on one PostgreSQL database',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    let schema: TestSchema
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_pair_')
      dbs.push(openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options }))
      dbs.push(openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options }))
      await Promise.all(dbs.map((db) => migrate(db)))
      const config = loadConfig({ LOG_LEVEL: 'silent' })
      const secrets = await Promise.all(dbs.map((db) => loadServerSecret(db, undefined)))
      assert.equal(secrets[0], secrets[1], 'both instances hold the same generated secret')
      for (const [i, db] of dbs.entries())
        apps.push(await buildApp({ config, db, secret: secrets[i]! }))
    })
    after(async () => {
      for (const app of apps) await app.close()
      for (const db of dbs) await db.close()
      await schema.drop()
    })

    test('a session made on one instance signs in on the other', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const client = new TestClient(a)
      assert.equal((await client.register('pair', PASSWORD)).statusCode, 303)
      const onB = await b.inject({
        method: 'GET',
        url: '/',
        headers: { cookie: `session=${client.jar.get('session')}` },
      })
      assert.equal(signedInAs(onB.body), 'pair')
    })

    test('a form loaded from one instance is accepted by the other', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const onA = new TestClient(a)
      const fields = hiddenInputs((await onA.get('/login')).body, '/login')
      const onB = new TestClient(b)
      for (const [name, value] of onA.jar) onB.jar.set(name, value)
      const response = await onB.post('/login', { ...fields, username: 'pair', password: PASSWORD })
      assert.equal(response.statusCode, 303)
    })

    test('sign-out on one instance is refused on the other at the very next request', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const client = new TestClient(a)
      await client.login('pair', PASSWORD)
      const cookie = `session=${client.jar.get('session')}`
      const homeOnB = async () =>
        (await b.inject({ method: 'GET', url: '/', headers: { cookie } })).body
      assert.equal(signedInAs(await homeOnB()), 'pair')
      await client.logout()
      assert.equal(signedInAs(await homeOnB()), null)
    })

    test('a sign-in on one instance is noticed once by a session the other serves from memory', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const onA = new TestClient(a)
      await onA.login('pair', PASSWORD)
      const noticesOnA = async () =>
        [...(await onA.get('/')).body.matchAll(/<li data-notice="([^"]*)"/g)].map((m) => m[1])
      assert.deepEqual(await noticesOnA(), [])
      assert.deepEqual(await noticesOnA(), [], 'served from memory now')
      const onB = new TestClient(b, {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0',
      })
      assert.equal((await onB.login('pair', PASSWORD)).statusCode, 303)
      await cachesOf(a)!.caughtUp()
      const home = (await onA.get('/')).body
      assert.deepEqual(
        [...home.matchAll(/<li data-notice="([^"]*)"/g)].map((m) => m[1]),
        ['signed_in'],
      )
      assert.ok(home.includes('Firefox on Linux'))
      assert.deepEqual(await noticesOnA(), [], 'once')
      await cachesOf(b)!.caughtUp()
      const onBHome = (await onB.get('/')).body
      assert.equal(signedInAs(onBHome), 'pair')
      assert.ok(!onBHome.includes('data-notice'), 'the new session is not told of itself')
    })
  },
)
