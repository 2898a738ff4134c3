import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'a long and uncommon passphrase'

function assertNoLeak(body: string) {
  for (const marker of [
    /at \w+ \(/,
    /\.ts:\d+/,
    /SELECT|INSERT|DELETE FROM/,
    /\$argon2/,
    /stack/i,
    /pglite|node_modules/i,
  ]) {
    assert.doesNotMatch(body, marker)
  }
}

for (const engine of engines) {
  describe(`anti-forgery and bad input (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine)
      await new TestClient(t.app).register('victor', PASSWORD)
    })
    after(() => t.close())

    async function formFor(client: TestClient, page: string, action: string) {
      return hiddenInputs((await client.get(page)).body, action)
    }

    test('every form carries an anti-forgery token', async () => {
      const client = new TestClient(t.app)
      for (const [page, action] of [
        ['/register', '/register'],
        ['/login', '/login'],
      ] as const) {
        assert.ok((await formFor(client, page, action))._csrf, page)
      }
      await client.login('victor', PASSWORD)
      assert.ok((await formFor(client, '/', '/logout'))._csrf)
    })

    test('a POST without a token gets 403 and changes nothing', async () => {
      const client = new TestClient(t.app)
      await client.get('/register')
      const response = await client.post('/register', { username: 'forged', password: PASSWORD })
      assert.equal(response.statusCode, 403)
      assert.equal(await userRow(t.db, 'forged'), undefined)
    })

    test("another client's token gets 403", async () => {
      const attacker = new TestClient(t.app)
      const token = (await formFor(attacker, '/register', '/register'))._csrf!
      const victim = new TestClient(t.app)
      await victim.get('/register') // the victim has a token cookie of its own
      const response = await victim.post('/register', {
        _csrf: token,
        username: 'forged2',
        password: PASSWORD,
      })
      assert.equal(response.statusCode, 403)
      const noCookie = await new TestClient(t.app).post('/register', {
        _csrf: token,
        username: 'forged2',
        password: PASSWORD,
      })
      assert.equal(noCookie.statusCode, 403)
      assert.equal(await userRow(t.db, 'forged2'), undefined)
    })

    test('a tampered token cookie gets 403', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/login', '/login')
      const [name, value] = [...client.jar].find(([n]) => n === 'csrf')!
      client.jar.set(
        name,
        value.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
      )
      const response = await client.post('/login', {
        ...fields,
        username: 'victor',
        password: PASSWORD,
      })
      assert.equal(response.statusCode, 403)
    })

    const foreignOrigins = [
      'https://evil.example',
      'null',
      'http://localhost:80.evil.example',
      'http://localhost:81',
    ]
    for (const origin of foreignOrigins) {
      test(`a POST with Origin ${origin} gets 403 even with a valid token`, async () => {
        const client = new TestClient(t.app)
        await client.login('victor', PASSWORD)
        const fields = await formFor(client, '/', '/logout')
        const response = await client.post('/logout', fields, { origin })
        assert.equal(response.statusCode, 403)
        assert.equal(signedInAs((await client.get('/')).body), 'victor', 'still signed in')
      })
    }

    test('a POST with Sec-Fetch-Site: cross-site gets 403', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/login', '/login')
      const response = await client.post(
        '/login',
        { ...fields, username: 'victor', password: PASSWORD },
        {
          'sec-fetch-site': 'cross-site',
        },
      )
      assert.equal(response.statusCode, 403)
    })

    test('a same-origin POST (Origin of this site) with its token succeeds', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/login', '/login')
      const response = await client.post(
        '/login',
        { ...fields, username: 'victor', password: PASSWORD },
        {
          origin: 'http://localhost:80',
          host: 'localhost:80',
          'sec-fetch-site': 'same-origin',
        },
      )
      assert.equal(response.statusCode, 303)
    })

    test('a body over 64 KiB gets 413', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/register', '/register')
      const response = await client.post('/register', {
        ...fields,
        username: 'big',
        password: 'x'.repeat(70 * 1024),
      })
      assert.equal(response.statusCode, 413)
      assertNoLeak(response.body)
    })

    test('repeated fields (arrays) get 400 with the form again', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/register', '/register')
      const response = await client.post('/register', {
        ...fields,
        username: ['a1', 'a2'],
        password: PASSWORD,
      })
      assert.equal(response.statusCode, 400)
      assert.match(response.body, /<form method="post" action="\/register"/)
    })

    test('missing fields get 400 on sign-in and registration', async () => {
      const client = new TestClient(t.app)
      const login = await client.post('/login', await formFor(client, '/login', '/login'))
      assert.equal(login.statusCode, 400)
      const register = await client.post(
        '/register',
        await formFor(client, '/register', '/register'),
      )
      assert.equal(register.statusCode, 400)
    })

    test('a JSON body of wrong types gets 400, not 500', async () => {
      const client = new TestClient(t.app)
      const fields = await formFor(client, '/login', '/login')
      const response = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: {
          'content-type': 'application/json',
          cookie: [...client.jar].map(([n, v]) => `${n}=${v}`).join('; '),
        },
        payload: JSON.stringify({ ...fields, username: 42, password: { $ne: 1 } }),
      })
      assert.equal(response.statusCode, 400)
    })

    test('broken JSON and unknown content types get 4xx without internals', async () => {
      const broken = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"username":',
      })
      assert.ok(broken.statusCode >= 400 && broken.statusCode < 500, String(broken.statusCode))
      assertNoLeak(broken.body)
      const xml = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'content-type': 'application/xml' },
        payload: '<a/>',
      })
      assert.equal(xml.statusCode, 415)
      assertNoLeak(xml.body)
    })

    test('an unknown address gets 404 with a page', async () => {
      const response = await t.app.inject({ method: 'GET', url: '/nope' })
      assert.equal(response.statusCode, 404)
      assert.match(response.headers['content-type'] as string, /text\/html/)
    })

    test('GET /logout does not sign out (no state change on GET)', async () => {
      const client = new TestClient(t.app)
      await client.login('victor', PASSWORD)
      const response = await client.get('/logout')
      assert.equal(response.statusCode, 404)
      assert.equal(signedInAs((await client.get('/')).body), 'victor')
    })

    test('every response carries CSP with frame-ancestors, nosniff and Referrer-Policy', async () => {
      for (const url of [
        '/',
        '/login',
        '/register',
        '/healthz',
        '/readyz',
        '/nope',
        '/assets/app.css',
      ]) {
        const response = await t.app.inject({ method: 'GET', url })
        assert.match(
          String(response.headers['content-security-policy']),
          /frame-ancestors 'none'/,
          url,
        )
        assert.match(String(response.headers['content-security-policy']), /default-src 'none'/, url)
        assert.equal(response.headers['x-content-type-options'], 'nosniff', url)
        assert.ok(response.headers['referrer-policy'], url)
      }
      const post = await t.app.inject({ method: 'POST', url: '/login', payload: {} })
      assert.match(String(post.headers['content-security-policy']), /frame-ancestors/)
    })

    test('/next is honoured only for a local path', async () => {
      const cases: Array<[string, string]> = [
        ['/members?x=1', '/members?x=1'],
        ['//evil.example', '/'],
        ['/\\evil.example', '/'],
        ['https://evil.example/', '/'],
        ['/\u0007x', '/'],
      ]
      for (const [next, expected] of cases) {
        const client = new TestClient(t.app)
        const response = await client.login('victor', PASSWORD, { next })
        assert.equal(response.statusCode, 303)
        assert.equal(response.headers.location, expected, next)
      }
      const page = await new TestClient(t.app).get('/login?next=/account')
      assert.equal(hiddenInputs(page.body, '/login').next, '/account')
    })
  })
}
