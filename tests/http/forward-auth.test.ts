import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// GET /auth/verify, as a reverse proxy's sub-request asks it: the same session rules
// as every page, and the original address honoured only behind a trusted proxy.

const PASSWORD = 'a long and uncommon passphrase'

function sessionIdOf(client: TestClient): string {
  return client.jar.get('session')!.split('.')[0]!
}

for (const engine of engines) {
  describe(`forward authentication (${engine})`, () => {
    let t: TestApp
    let proxied: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: { SESSION_IDLE_TIMEOUT: '1800' } })
      proxied = await startTestApp(engine, {
        env: { TRUST_PROXY: 'true', PUBLIC_ORIGIN: 'https://logon.example.com' },
      })
    })
    after(async () => {
      await t.close()
      await proxied.close()
    })

    test('signed in: 200 with the name and the session id, no body, never cached', async () => {
      const client = new TestClient(t.app)
      await client.register('gatekeeper', PASSWORD)
      const answer = await client.get('/auth/verify')
      assert.equal(answer.statusCode, 200)
      assert.equal(answer.headers['x-logon-user'], 'gatekeeper')
      assert.equal(answer.headers['x-logon-session'], sessionIdOf(client))
      assert.equal(answer.body, '')
      assert.equal(answer.headers['cache-control'], 'no-store')
      assert.match(String(answer.headers.vary), /Cookie/)
    })

    test('a name in another script comes percent-encoded as UTF-8', async () => {
      const client = new TestClient(t.app)
      await client.register('张三丰', PASSWORD)
      const answer = await client.get('/auth/verify')
      assert.equal(answer.headers['x-logon-user'], encodeURIComponent('张三丰'))
      assert.equal(decodeURIComponent(String(answer.headers['x-logon-user'])), '张三丰')
    })

    test('signed out, a forged cookie, a revoked or an expired session: 401 and no name', async () => {
      assert.equal((await new TestClient(t.app).get('/auth/verify')).statusCode, 401)
      const forged = new TestClient(t.app)
      forged.jar.set('session', 'x'.repeat(20) + '.' + 'y'.repeat(43))
      const refused = await forged.get('/auth/verify')
      assert.equal(refused.statusCode, 401)
      assert.equal(refused.headers['x-logon-user'], undefined)

      const laptop = new TestClient(t.app)
      await laptop.register('revoker', PASSWORD)
      const phone = new TestClient(t.app)
      await phone.login('revoker', PASSWORD)
      assert.equal((await phone.get('/auth/verify')).statusCode, 200)
      const revoked = await laptop.submit('/account', '/account/sessions/revoke', {
        session: sessionIdOf(phone),
      })
      assert.equal(revoked.statusCode, 303)
      assert.equal((await phone.get('/auth/verify')).statusCode, 401, 'revoked at once')

      assert.equal((await laptop.get('/auth/verify')).statusCode, 200)
      t.clock.advanceSeconds(1801)
      assert.equal((await laptop.get('/auth/verify')).statusCode, 401, 'past the idle limit')
    })

    test('without TRUST_PROXY the original address is not read: 401, not a redirect', async () => {
      const answer = await new TestClient(t.app).get('/auth/verify', {
        'x-forwarded-uri': '/app/report?year=2026',
      })
      assert.equal(answer.statusCode, 401)
      assert.equal(answer.headers.location, undefined)
    })

    test('behind a trusted proxy: 302 to sign in, and back to the original address after', async () => {
      await new TestClient(proxied.app).register('traveller', PASSWORD)
      const client = new TestClient(proxied.app)
      // Caddy and Traefik pass a 302 on; nginx's auth_request takes only 401 (or 2xx,
      // 403) and makes its own redirect from the Location the 401 carries.
      for (const [header, status] of [
        ['x-forwarded-uri', 302],
        ['x-original-uri', 401],
      ] as const) {
        const answer = await client.get('/auth/verify', { [header]: '/app/report?year=2026' })
        assert.equal(answer.statusCode, status, header)
        assert.equal(
          answer.headers.location,
          'https://logon.example.com/login?next=%2Fapp%2Freport%3Fyear%3D2026',
        )
      }
      const signIn = await client.submit('/login?next=%2Fapp%2Freport%3Fyear%3D2026', '/login', {
        username: 'traveller',
        password: PASSWORD,
      })
      assert.equal(signIn.statusCode, 303)
      assert.equal(signIn.headers.location, '/app/report?year=2026')
      const now = await client.get('/auth/verify', { 'x-forwarded-uri': '/app/report' })
      assert.equal(now.statusCode, 200)
      assert.equal(now.headers['x-logon-user'], 'traveller')
      assert.equal(signedInAs((await client.get('/')).body), 'traveller')
    })

    test('an original address that is not a local path gives 401, never a redirect elsewhere', async () => {
      const client = new TestClient(proxied.app)
      for (const uri of ['//evil.example/x', 'https://evil.example/', '/\\evil.example', 'app']) {
        for (const header of ['x-forwarded-uri', 'x-original-uri']) {
          const answer = await client.get('/auth/verify', { [header]: uri })
          assert.equal(answer.statusCode, 401, uri)
          assert.equal(answer.headers.location, undefined, uri)
        }
      }
    })
  })
}
