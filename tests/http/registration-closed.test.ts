import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { registerAccount } from '../../src/auth/registration.js'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { underLease } from '../helpers/hash-lease.js'
import { showsMessage } from '../helpers/pages.js'
import { userCount } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { accountServices } from '../helpers/accounts.js'

// REGISTRATION=closed (docs/contract.md): an operator imports the old accounts before
// anyone can claim their names. No address creates an account, no page offers to,
// and the accounts that exist sign in as before.

const PASSWORD = 'a long and uncommon passphrase'

for (const engine of engines) {
  describe(`REGISTRATION=closed (${engine})`, () => {
    let open: TestApp
    let closed: TestApp
    before(async () => {
      open = await startTestApp(engine)
      closed = await startTestApp(engine, { env: { REGISTRATION: 'closed' } })
    })
    after(async () => {
      await open.close()
      await closed.close()
    })

    test('GET /register answers 403 with a page that says so, and no form', async () => {
      const response = await new TestClient(closed.app).get('/register')
      assert.equal(response.statusCode, 403)
      assert.match(response.body, /id="registration-closed"/)
      assert.ok(showsMessage(response.body, 'register.closed'))
      assert.doesNotMatch(response.body, /action="\/register"/)
    })

    for (const address of ['/register', '/regist']) {
      test(`POST ${address} creates no account, even with a valid form of an open instance`, async () => {
        // The form (and its token) of an instance whose registration is open,
        // posted to the closed one: the closed one must refuse on its own.
        const client = new TestClient(open.app)
        const page = await client.get('/register')
        const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1]
        assert.ok(token, 'the open instance offers a form')
        const before = await userCount(closed.db)
        const response = await new TestClient(closed.app).post(address, {
          username: 'newcomer',
          password: PASSWORD,
          _csrf: token,
        })
        assert.equal(response.statusCode, 403)
        assert.equal(await userCount(closed.db), before, 'no row was written')
        assert.equal(setCookieNames(response).includes('session'), false)
      })
    }

    test('no page links to /register; the open instance does', async () => {
      const closedHome = await new TestClient(closed.app).get('/')
      const closedLogin = await new TestClient(closed.app).get('/login')
      for (const body of [closedHome.body, closedLogin.body]) {
        assert.doesNotMatch(body, /href="\/register"/)
      }
      const openHome = await new TestClient(open.app).get('/')
      assert.match(openHome.body, /href="\/register"/)
    })

    test('an account that exists (say, imported) signs in as before', async () => {
      const made = await underLease((lease) =>
        registerAccount(
          accountServices(closed.db, {
            passwordMinLength: 8,
            passwordHash: closed.config.passwordHash,
          }),
          { username: 'imported', password: PASSWORD },
          { now: new Date(), lease },
        ),
      )
      assert.ok(made.ok)
      const response = await new TestClient(closed.app).login('imported', PASSWORD)
      assert.equal(response.statusCode, 303)
      assert.ok(setCookieNames(response).includes('session'))
    })
  })
}

function setCookieNames(response: { cookies: Array<{ name: string }> }): string[] {
  return response.cookies.map((cookie) => cookie.name)
}
