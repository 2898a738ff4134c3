import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { TestClient } from '../helpers/client.js'
import { openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { TEST_SECRET } from '../helpers/test-app.js'

const PASSWORD = 'a secret nobody should log 42'

describe('logs', () => {
  const lines: string[] = []
  let database: TestDatabase
  let app: Awaited<ReturnType<typeof buildApp>>
  before(async () => {
    database = await openTestDatabase('pglite')
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk))
        done()
      },
    })
    const logger = pino(loggerOptions('trace') as pino.LoggerOptions, stream)
    app = await buildApp({ config: loadConfig({}), db: database.db, secret: TEST_SECRET, logger })
  })
  after(async () => {
    await app.close()
    await database.close()
  })

  test('hold no password, session token or form token, even at trace level', async () => {
    const client = new TestClient(app)
    await client.register('logged', PASSWORD)
    const sessionToken = client.jar.get('session')!
    await client.get('/', { authorization: 'Bearer should-not-appear' })
    const csrfCookie = client.jar.get('csrf')!
    await client.logout()
    await client.login('logged', 'wrong ' + PASSWORD)
    await client.login('logged', PASSWORD, { next: '/' })
    const log = lines.join('')
    assert.ok(lines.length > 10, 'the requests were logged')
    for (const secret of [
      PASSWORD,
      sessionToken,
      sessionToken.split('.')[1]!,
      csrfCookie,
      'should-not-appear',
    ]) {
      assert.ok(!log.includes(secret), `log holds ${secret.slice(0, 8)}…`)
    }
  })
})
