import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../../src/app.js'
import { findAccount } from '../../src/auth/account-admin.js'
import { issuePasswordReset } from '../../src/auth/password-resets.js'
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

  test('hold no reset link token: its address is logged without it', async () => {
    const client = new TestClient(app)
    await client.register('reset_logged', PASSWORD)
    const account = await findAccount(
      { db: database.db, policy: loadConfig({}).session, now: new Date() },
      'reset_logged',
    )
    const issued = await issuePasswordReset(database.db, {
      userId: account!.id,
      clearSecondFactor: false,
      now: new Date(),
    })
    const before = lines.length
    const link = `/password-reset/${issued!.token}`
    assert.equal((await new TestClient(app).get(link)).statusCode, 303)
    assert.equal((await new TestClient(app).get(`${link}?x=1`)).statusCode, 303)
    const log = lines.slice(before).join('')
    assert.ok(log.includes('/password-reset/[redacted]'), 'the request is logged')
    const [id, secret] = issued!.token.split('.')
    for (const part of [id!, secret!]) assert.ok(!log.includes(part), 'no part of the token')
  })
})
