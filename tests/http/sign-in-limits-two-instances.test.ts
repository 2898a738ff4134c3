import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TestClient } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { TEST_SECRET, TestClock } from '../helpers/test-app.js'

// The limits live in the database, so two instances behind
// one proxy count together, and a restarted instance still knows them.

const PASSWORD = 'a long and uncommon passphrase'
const ENV = { LOG_LEVEL: 'silent', TRUST_PROXY: 'true', SIGN_IN_FAILURES_PER_NAME_ADDRESS: '4' }

describe(
  'sign-in limits on two instances of one PostgreSQL database',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    let schema: TestSchema
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    const clock = new TestClock()
    const config = loadConfig(ENV)
    const open = () => openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options })

    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_pair_')
      dbs.push(open(), open())
      await migrate(dbs[0]!)
      for (const db of dbs)
        apps.push(await buildApp({ config, db, secret: TEST_SECRET, now: clock.now }))
      await new TestClient(apps[0]!).register('shared', PASSWORD)
    })
    after(async () => {
      for (const app of apps) await app.close()
      for (const db of dbs) await db.close()
      await schema.drop()
    })

    test('failures on either instance add up, and both refuse once over the limit', async () => {
      const headers = { 'x-forwarded-for': '198.51.100.70' }
      const [a, b] = apps.map((app) => new TestClient(app, headers)) as [TestClient, TestClient]
      for (const client of [a, b, a, b]) {
        assert.equal((await client.login('shared', 'wrong passphrase!')).statusCode, 401)
      }
      assert.equal((await a.login('shared', PASSWORD)).statusCode, 429)
      assert.equal((await b.login('shared', PASSWORD)).statusCode, 429)
    })

    test('an instance started afterwards refuses too', async () => {
      const db = open()
      dbs.push(db)
      const restarted = await buildApp({ config, db, secret: TEST_SECRET, now: clock.now })
      apps.push(restarted)
      const client = new TestClient(restarted, { 'x-forwarded-for': '198.51.100.70' })
      const refused = await client.login('shared', PASSWORD)
      assert.equal(refused.statusCode, 429)
      assert.equal(refused.headers['retry-after'], '60')
    })
  },
)
