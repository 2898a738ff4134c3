import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { TestClient } from '../helpers/client.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { sessionRow } from '../helpers/sql.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// The app as it runs in production: real clock, last_seen_at written in batches.

for (const engine of engines) {
  describe(`last_seen_at in production mode (${engine})`, () => {
    let database: TestDatabase
    let app: FastifyInstance
    before(async () => {
      database = await openTestDatabase(engine)
      app = await buildApp({
        config: loadConfig({ LOG_LEVEL: 'silent' }),
        db: database.db,
        secret: TEST_SECRET,
      })
    })
    after(async () => {
      await app.close()
      await database.close()
    })

    test('a page view lands in last_seen_at through the batched writer', async () => {
      const client = new TestClient(app)
      await client.register('busy', 'a long and uncommon passphrase')
      const [id] = client.jar.get('session')!.split('.') as [string]
      const lastSeen = async () => (await sessionRow(database.db, id))!.last_seen_at.getTime()
      const created = await lastSeen()
      await new Promise((resolve) => setTimeout(resolve, 900))
      const viewedAt = Date.now()
      assert.equal(signedInAs((await client.get('/')).body), 'busy')
      let seen = await lastSeen()
      while (seen === created && Date.now() - viewedAt < 3000) {
        await new Promise((resolve) => setTimeout(resolve, 25))
        seen = await lastSeen()
      }
      assert.ok(
        seen >= viewedAt - 50,
        'last_seen_at moved to the page view, written by the flush timer',
      )
    })
  })
}
