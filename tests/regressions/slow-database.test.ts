import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// A statement that only the client gave up on went on running in the server: the
// user saw a 503 while the registration committed, and a retry got "name taken".
// The server now cancels it (statement_timeout, lock_timeout) before the client does.

describe(
  'a statement stuck behind a lock',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp('postgres')
    })
    after(() => t.close())

    test('gets 503 within 5 s and commits nothing', async () => {
      const client = new TestClient(t.app)
      const page = await client.get('/register')
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
      let elapsedMs = 0
      let status = 0
      await t.db.transaction(async (tx) => {
        await tx.exec('LOCK TABLE users IN EXCLUSIVE MODE')
        const started = Date.now()
        const response = await client.post('/register', {
          _csrf: token,
          username: 'blocked',
          password: 'a long and uncommon passphrase',
        })
        elapsedMs = Date.now() - started
        status = response.statusCode
        assert.match(response.headers['content-type'] as string, /text\/plain/)
      })
      assert.equal(status, 503)
      assert.ok(elapsedMs < 5000, `answered in ${elapsedMs} ms`)
      // Give a statement still queued behind the lock the time to finish, if it were there.
      await new Promise((resolve) => setTimeout(resolve, 500))
      assert.equal(
        await userRow(t.db, 'blocked'),
        undefined,
        'the registration did not commit after the 503',
      )
    })
  },
)
