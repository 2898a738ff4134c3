import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { sessionRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'a long and uncommon passphrase'

function cookiesOf(response: Response): string {
  return response.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
}

for (const engine of engines) {
  describe(`over a real socket (${engine})`, () => {
    let t: TestApp
    let base: string
    before(async () => {
      t = await startTestApp(engine, { env: { TRUST_PROXY: 'true' } })
      await t.app.listen({ port: 0, host: '127.0.0.1' })
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    })
    after(() => t.close())

    test('register with a browser-like Origin, then see the home page signed in', async () => {
      const page = await fetch(`${base}/register`)
      const csrfCookie = cookiesOf(page)
      const fields = hiddenInputs(await page.text(), '/register')
      const response = await fetch(`${base}/register`, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          origin: base,
          cookie: csrfCookie,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: new URLSearchParams({ ...fields, username: 'socket_user', password: PASSWORD }),
      })
      assert.equal(response.status, 303)
      assert.equal(response.headers.get('location'), '/')
      const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('session='))!
      assert.match(setCookie, /; HttpOnly/)
      assert.match(setCookie, /; SameSite=Lax/)
      assert.doesNotMatch(setCookie, /Max-Age|Expires|Domain/i)
      const home = await fetch(`${base}/`, { headers: { cookie: setCookie.split(';')[0]! } })
      assert.equal(signedInAs(await home.text()), 'socket_user')
    })

    test('behind a trusted proxy, the public origin comes from X-Forwarded-Proto/Host', async () => {
      const proxyHeaders = {
        'x-forwarded-proto': 'https',
        'x-forwarded-host': 'logon.example',
        'x-forwarded-for': '203.0.113.7',
      }
      const page = await fetch(`${base}/login`, { headers: proxyHeaders })
      const fields = hiddenInputs(await page.text(), '/login')
      const post = (origin: string) =>
        fetch(`${base}/login`, {
          method: 'POST',
          redirect: 'manual',
          headers: {
            ...proxyHeaders,
            origin,
            cookie: cookiesOf(page),
            'content-type': 'application/x-www-form-urlencoded',
          },
          body: new URLSearchParams({ ...fields, username: 'socket_user', password: PASSWORD }),
        })
      assert.equal((await post(base)).status, 403, 'the internal origin is not the public one')
      const signedIn = await post('https://logon.example')
      assert.equal(signedIn.status, 303)
      const token = /^session=([^.]+)\./.exec(
        signedIn.headers.getSetCookie().find((c) => c.startsWith('session='))!,
      )
      const row = await sessionRow(t.db, token![1]!)
      assert.equal(
        row?.ip,
        '203.0.113.7',
        'the client address is the entry the trusted proxy appended',
      )
    })

    test('/healthz and /readyz answer 200', async () => {
      assert.equal((await fetch(`${base}/healthz`)).status, 200)
      assert.equal((await fetch(`${base}/readyz`)).status, 200)
    })
  })
}
