import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient, setCookie } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { formError, message, signedInAs } from '../helpers/pages.js'
import { sessionRow, userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'correct horse battery staple'

for (const engine of engines) {
  describe(`sign-up and sign-in (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine)
    })
    after(() => t.close())

    test('the signed-out home page links to sign in and register', async () => {
      const response = await new TestClient(t.app).get('/')
      assert.equal(response.statusCode, 200)
      assert.match(response.body, /href="\/login"/)
      assert.match(response.body, /href="\/register"/)
      assert.equal(signedInAs(response.body), null)
    })

    test('registering signs you in with a 303 to / and a session cookie', async () => {
      const client = new TestClient(t.app)
      const response = await client.register('Alice', PASSWORD)
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/')
      const cookie = setCookie(response, 'session')
      assert.ok(cookie, 'a session cookie is set')
      assert.equal(cookie.httpOnly, true)
      assert.equal(cookie.sameSite, 'Lax')
      assert.equal(cookie.path, '/')
      assert.equal(cookie.maxAge, undefined, 'no Max-Age without remember me')
      assert.equal(cookie.domain, undefined)
      assert.equal(cookie.secure, undefined)
      const home = await client.get('/')
      assert.equal(signedInAs(home.body), 'Alice')
      const row = await userRow(t.db, 'alice')
      assert.equal(row?.username, 'Alice')
      assert.match(row!.password_hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
      assert.ok(!row!.password_hash.includes(PASSWORD))
    })

    test('POST /regist, the original address, registers too', async () => {
      const client = new TestClient(t.app)
      const response = await client.submit('/register', '/register', {})
      assert.equal(response.statusCode, 400) // an empty form, to fetch the token
      const page = await client.get('/register')
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
      const registered = await client.post('/regist', {
        _csrf: token,
        username: 'legacy_user',
        password: PASSWORD,
      })
      assert.equal(registered.statusCode, 303)
      assert.equal(registered.headers.location, '/')
      assert.equal(signedInAs((await client.get('/')).body), 'legacy_user')
    })

    test('signing in with the right password starts a session; the wrong one gets 401', async () => {
      await new TestClient(t.app).register('bob', PASSWORD)
      const client = new TestClient(t.app)
      const wrong = await client.login('bob', 'not the password')
      assert.equal(wrong.statusCode, 401)
      assert.equal(formError(wrong.body), message('login.failed'))
      assert.match(wrong.body, /value="bob"/, 'the typed username is kept')
      const right = await client.login('BOB', PASSWORD)
      assert.equal(right.statusCode, 303)
      assert.equal(right.headers.location, '/')
      assert.equal(signedInAs((await client.get('/')).body), 'bob')
    })

    test('an unknown name and a wrong password get the same answer', async () => {
      const unknown = await new TestClient(t.app).login('nobody_here', PASSWORD)
      const wrong = await new TestClient(t.app).login('bob', 'wrong password!')
      assert.equal(unknown.statusCode, 401)
      assert.equal(wrong.statusCode, 401)
      assert.equal(formError(unknown.body), message('login.failed'))
      assert.equal(formError(unknown.body), formError(wrong.body))
    })

    test('sign-out ends the session on the server and clears the cookie', async () => {
      const client = new TestClient(t.app)
      await client.register('carol', PASSWORD)
      const token = client.jar.get('session')!
      const response = await client.logout()
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/')
      assert.equal(client.jar.has('session'), false)
      assert.equal(await sessionRow(t.db, token.split('.')[0]!), undefined)
      // Replaying the old cookie signs nobody in.
      const replay = await new TestClient(t.app).get('/', { cookie: `session=${token}` })
      assert.equal(signedInAs(replay.body), null)
    })
  })
}
