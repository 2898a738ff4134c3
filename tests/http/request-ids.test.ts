import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { TestClient } from '../helpers/client.js'
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// Every answer says its request's id in X-Request-Id, and every log line of that request
// holds it; a proxy's own id is kept only behind TRUST_PROXY, and only a plain token.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

for (const trustProxy of [false, true]) {
  describe(`request ids (TRUST_PROXY ${trustProxy})`, () => {
    const lines: Array<Record<string, unknown>> = []
    let database: TestDatabase
    let app: Awaited<ReturnType<typeof buildApp>>
    before(async () => {
      database = await openTestDatabase('pglite')
      const stream = new Writable({
        write(chunk, _encoding, done) {
          lines.push(JSON.parse(String(chunk)) as Record<string, unknown>)
          done()
        },
      })
      const logger = pino(loggerOptions('info') as pino.LoggerOptions, stream)
      const env = trustProxy ? { TRUST_PROXY: 'true' } : {}
      app = await buildApp({
        config: loadConfig(env),
        db: database.db,
        secret: TEST_SECRET,
        logger,
      })
    })
    after(async () => {
      await app.close()
      await database.close()
    })

    test('each answer has an id of its own, pages, problems and refusals alike', async () => {
      const ids = new Set<string>()
      for (const url of ['/', '/login', '/no-such-page', '/api/v1/session', '/%zz']) {
        const answer = await app.inject({ method: 'GET', url })
        const id = String(answer.headers['x-request-id'])
        assert.match(id, UUID, url)
        ids.add(id)
      }
      assert.equal(ids.size, 5)
    })

    test(`a proxy's X-Request-Id is ${trustProxy ? 'kept' : 'not read'}; a value that is no plain token never is`, async () => {
      const given = await app.inject({
        method: 'GET',
        url: '/login',
        headers: { 'x-request-id': 'edge-7f3a.42' },
      })
      if (trustProxy) assert.equal(given.headers['x-request-id'], 'edge-7f3a.42')
      else assert.match(String(given.headers['x-request-id']), UUID)
      for (const bad of ['has space', 'x'.repeat(129), 'semi;colon', 'new\u2028line']) {
        const answer = await app.inject({
          method: 'GET',
          url: '/login',
          headers: { 'x-request-id': bad },
        })
        assert.match(String(answer.headers['x-request-id']), UUID, JSON.stringify(bad))
      }
    })

    test('every log line of a request holds its id', async () => {
      lines.length = 0
      const client = new TestClient(app)
      const failed = await client.login('nobody-here', 'not a password at all')
      assert.equal(failed.statusCode, 401)
      const id = String(failed.headers['x-request-id'])
      const ofIt = lines.filter((line) => line.reqId === id)
      assert.ok(ofIt.length >= 2, 'incoming request and request completed')
      assert.ok(
        lines
          .filter((line) => line.req !== undefined || line.res !== undefined)
          .every((line) => typeof line.reqId === 'string'),
        'no request line without an id',
      )
    })
  })
}
