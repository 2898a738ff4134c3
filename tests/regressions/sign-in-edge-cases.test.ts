import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient, setCookie } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { sessionRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Found in review; each case once answered wrongly, and each test's name states the
// answer it must give now.

const PASSWORD = 'a long and uncommon passphrase'

for (const engine of engines) {
  describe(`sign-in edge cases (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: { TRUST_PROXY: 'true' } })
      await new TestClient(t.app).register('edge', PASSWORD)
    })
    after(() => t.close())

    test('a next path outside ASCII redirects percent-encoded and keeps the sign-in (was a 500)', async () => {
      const client = new TestClient(t.app)
      const response = await client.login('edge', PASSWORD, { next: '/张三' })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/%E5%BC%A0%E4%B8%89')
      assert.ok(setCookie(response, 'session'), 'the session cookie arrives')
    })

    test('names with invisible characters are refused (they would look like another name)', async () => {
      for (const name of ['edge\u1160', 'ed\uFE0Fge', 'ed\u034Fge', 'edge\u3164']) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 400, JSON.stringify(name))
      }
    })

    test('a password long before NFKC but within 1024 after it signs in as registered', async () => {
      const password = 'e\u0301'.repeat(520) // 1040 code points typed, 520 after NFKC
      assert.equal((await new TestClient(t.app).register('composer', password)).statusCode, 303)
      assert.equal((await new TestClient(t.app).login('composer', password)).statusCode, 303)
    })

    test('an Origin equal to the site but for a default port or letter case is accepted', async () => {
      for (const [host, origin] of [
        ['example.com:80', 'http://example.com'],
        ['EXAMPLE.com', 'http://example.com'],
        ['example.com', 'http://Example.COM:80'],
      ] as const) {
        const client = new TestClient(t.app, { host })
        const fields = await client.get('/login')
        const token = /name="_csrf" value="([^"]+)"/.exec(fields.body)![1]!
        const posted = await client.post(
          '/login',
          { _csrf: token, username: 'edge', password: PASSWORD },
          { origin },
        )
        assert.equal(posted.statusCode, 303, `${host} / ${origin}`)
      }
    })

    test('an X-Forwarded-For entry that is no address is not stored', async () => {
      // The entry the trusted proxy appended (the right-most) is what counts.
      const client = new TestClient(t.app, {
        'x-forwarded-for': `10.0.0.1, <script>${'A'.repeat(6000)}`,
      })
      const response = await client.login('edge', PASSWORD)
      assert.equal(response.statusCode, 303)
      const [id] = client.jar.get('session')!.split('.') as [string]
      assert.equal((await sessionRow(t.db, id))?.ip, null)
    })

    test('remember=1 is no error: only "on" means remember', async () => {
      const client = new TestClient(t.app)
      const response = await client.login('edge', PASSWORD, { remember: '1' })
      assert.equal(response.statusCode, 303)
      assert.equal(setCookie(response, 'session')?.maxAge, undefined)
    })

    test('a form sent with broken fields keeps next and the typed name', async () => {
      const client = new TestClient(t.app)
      const page = await client.get('/login?next=/account')
      const token = /name="_csrf" value="([^"]+)"/.exec(page.body)![1]!
      const response = await client.post('/login', {
        _csrf: token,
        username: 'edge',
        next: '/account',
      })
      assert.equal(response.statusCode, 400)
      assert.match(response.body, /name="next" value="\/account"/)
      assert.match(response.body, /value="edge"/)
    })

    test('sign-in renews the anti-forgery cookie and is never cached', async () => {
      const client = new TestClient(t.app)
      await client.get('/login')
      const before = client.jar.get('csrf')
      assert.ok(before)
      const response = await client.login('edge', PASSWORD)
      assert.equal(response.headers['cache-control'], 'no-store')
      assert.equal(client.jar.has('csrf'), false, 'the old secret is dropped')
      await client.get('/')
      assert.notEqual(client.jar.get('csrf'), before)
    })

    test('a 403 page keeps the signed-in navigation', async () => {
      const client = new TestClient(t.app)
      await client.login('edge', PASSWORD)
      const response = await client.post('/logout', {})
      assert.equal(response.statusCode, 403)
      assert.match(response.body, /action="\/logout"/)
      assert.doesNotMatch(response.body, /href="\/login"/)
    })
  })
}
