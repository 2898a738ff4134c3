import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadServerSecret } from '../../src/auth/server-secret.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { ApiClient, DocumentCheck } from '../helpers/api-client.js'

// Two instances on one PostgreSQL database, each keeping sessions in memory: a bearer
// session ended through the API of one is refused by the other within the bound the
// pages keep (docs/contract.md: one second), as a cookie session is.

const PASSWORD = 'a long and uncommon passphrase'
const REVOCATION_BOUND_MS = 1_000

describe(
  'the API on two instances',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    let schema: TestSchema
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    let check: DocumentCheck
    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_api_pair_')
      for (let i = 0; i < 2; i++) {
        dbs.push(openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options }))
      }
      await Promise.all(dbs.map((db) => migrate(db)))
      const config = loadConfig({ LOG_LEVEL: 'silent' })
      for (const db of dbs) {
        apps.push(await buildApp({ config, db, secret: await loadServerSecret(db, undefined) }))
      }
      await Promise.all(apps.map((app) => app.ready()))
      check = await DocumentCheck.of(apps[0]!)
    })
    after(async () => {
      for (const app of apps) await app.close()
      for (const db of dbs) await db.close()
      await schema.drop()
    })

    /** How long until `client` on `app` is refused (a few ms between tries), or the bound. */
    async function refusedWithin(client: ApiClient): Promise<number> {
      const started = performance.now()
      for (;;) {
        const answer = await client.get('/api/v1/session', { cookies: false })
        if (answer.status === 401) return performance.now() - started
        assert.equal(answer.status, 200)
        if (performance.now() - started > REVOCATION_BOUND_MS * 2) return Infinity
        await sleep(10)
      }
    }

    test('a token made on one instance works on the other, and its end reaches it', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const onA = new ApiClient(a, check)
      const created = await onA.post('/api/v1/users', {
        username: 'api-pair',
        password: PASSWORD,
        token: true,
      })
      assert.equal(created.status, 201)
      onA.token = created.body.token
      const onB = new ApiClient(b, check)
      onB.token = created.body.token
      assert.equal((await onB.get('/api/v1/session', { cookies: false })).status, 200)
      assert.equal((await onA.delete('/api/v1/session', undefined, { cookies: false })).status, 204)
      assert.ok((await refusedWithin(onB)) <= REVOCATION_BOUND_MS, 'B refuses it in time')
    })

    test('a session revoked through B is refused by A, which holds it in memory', async () => {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const laptop = new ApiClient(b, check)
      laptop.token = (
        await laptop.post('/api/v1/users', {
          username: 'api-pair-2',
          password: PASSWORD,
          token: true,
        })
      ).body.token
      const phone = new ApiClient(a, check)
      const signedIn = await phone.post('/api/v1/session', {
        username: 'api-pair-2',
        password: PASSWORD,
        token: true,
      })
      phone.token = signedIn.body.token
      assert.equal((await phone.get('/api/v1/session', { cookies: false })).status, 200)
      const ended = await laptop.delete(`/api/v1/sessions/${signedIn.body.session.id}`, undefined, {
        cookies: false,
      })
      assert.equal(ended.status, 204)
      assert.ok((await refusedWithin(phone)) <= REVOCATION_BOUND_MS, 'A refuses it in time')
    })
  },
)
