import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, Page } from 'playwright-core'
import { chromiumSkipReason, launchChromium, requireChromium } from '../helpers/browser.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// The JSON API in real Chromium. A page of Logon's own origin uses it with fetch and
// the cookie (what a single-page front end does). A page of another origin on the same
// site (another port of 127.0.0.1: the browser sends the SameSite=Lax cookie to it)
// tries every way a page has to write with that cookie: a CORS fetch, a no-cors
// text/plain fetch, and an HTML form posting JSON-looking text/plain. Logon's answers
// to whatever reaches it are 403, and nothing changes.

const PASSWORD = 'a long and uncommon passphrase'

function attackerPage(target: string): string {
  const json = (value: unknown) => JSON.stringify(JSON.stringify(value))
  return `<!doctype html><html><body>
<form id="form" method="post" action="${target}/api/v1/session/reauthenticate" enctype="text/plain">
  <input name='{"password":"${PASSWORD}","x":"' value='"}'>
</form>
<script>
window.attempts = (async () => {
  const outcomes = []
  const tryFetch = async (what, url, init) => {
    try { const r = await fetch(url, { credentials: 'include', ...init }); outcomes.push(what + ': ' + r.type + ' ' + r.status) }
    catch (e) { outcomes.push(what + ': ' + e.name) }
  }
  await tryFetch('cors PUT', '${target}/api/v1/password', { method: 'PUT', headers: { 'content-type': 'application/json' },
    body: ${json({ current_password: PASSWORD, new_password: 'chosen by the attacker' })} })
  await tryFetch('cors DELETE', '${target}/api/v1/session', { method: 'DELETE' })
  await tryFetch('no-cors POST', '${target}/api/v1/session/reauthenticate', { method: 'POST', mode: 'no-cors',
    headers: { 'content-type': 'text/plain' }, body: ${json({ password: PASSWORD })} })
  await tryFetch('no-cors DELETE account', '${target}/api/v1/account', { method: 'POST', mode: 'no-cors', body: 'password=x' })
  return outcomes
})()
</script></body></html>`
}

describe('the JSON API in a real browser', { skip: chromiumSkipReason() ?? false }, () => {
  let t: TestApp
  let origin: string
  let attacker: Server
  let attackerOrigin: string
  let browser: Browser

  before(async () => {
    requireChromium()
    t = await startTestApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    attacker = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      response.end(attackerPage(origin))
    })
    await new Promise<void>((resolve) => attacker.listen(0, '127.0.0.1', resolve))
    attackerOrigin = `http://127.0.0.1:${(attacker.address() as AddressInfo).port}`
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    attacker?.close()
    await t?.close()
  })

  /** fetch from the page, as a front end of this site calls the API. */
  const call = (page: Page, method: string, path: string, body?: unknown) =>
    page.evaluate(
      async ({ method, path, body }) => {
        const response = await fetch(path, {
          method,
          ...(body === undefined
            ? {}
            : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
        })
        const text = await response.text()
        return { status: response.status, body: text === '' ? null : JSON.parse(text) }
      },
      { method, path, body },
    )

  test("this site's page signs up, reads its session and signs out with fetch and the cookie", async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/login`)
    const created = await call(page, 'POST', '/api/v1/users', {
      username: 'spa-user',
      password: PASSWORD,
    })
    assert.equal(created.status, 201)
    assert.equal(created.body.token, undefined)
    const cookies = await context.cookies(origin)
    assert.ok(cookies.find((c) => c.name === 'session')?.httpOnly, 'an HttpOnly cookie')
    const me = await call(page, 'GET', '/api/v1/session')
    assert.equal(me.status, 200)
    assert.equal(me.body.user.username, 'spa-user')
    assert.equal((await call(page, 'DELETE', '/api/v1/session')).status, 204)
    assert.equal((await call(page, 'GET', '/api/v1/session')).status, 401)
    await context.close()
  })

  test('a page of another origin on the same site writes nothing with the cookie', async () => {
    const context = await browser.newContext()
    const page = await context.newPage()
    await page.goto(`${origin}/login`)
    const created = await call(page, 'POST', '/api/v1/users', {
      username: 'spa-victim',
      password: PASSWORD,
    })
    assert.equal(created.status, 201)
    const sessionId = created.body.session.id

    // What the attacker's page sent to Logon, and the answers the browser let it see
    // (a no-cors answer is withheld from the page: Logon's Cross-Origin-Resource-Policy).
    const sent: string[] = []
    const answered: string[] = []
    const evil = await context.newPage()
    evil.on('request', (request) => {
      if (request.url().startsWith(origin))
        sent.push(`${request.method()} ${new URL(request.url()).pathname}`)
    })
    evil.on('response', (response) => {
      if (response.url().startsWith(origin)) answered.push(String(response.status()))
    })
    await evil.goto(attackerOrigin)
    const outcomes = await evil.evaluate(
      () => (window as unknown as { attempts: Promise<string[]> }).attempts,
    )
    // The CORS fetches stop at the browser: Logon answers no preflight with CORS headers.
    assert.ok(outcomes.includes('cors PUT: TypeError'), outcomes.join('; '))
    assert.ok(outcomes.includes('cors DELETE: TypeError'), outcomes.join('; '))
    // The form posts itself as text/plain JSON-looking text, the oldest trick.
    await Promise.all([
      evil.waitForURL(`${origin}/**`),
      evil.evaluate(() => (document.getElementById('form') as HTMLFormElement).submit()),
    ])
    assert.match(await evil.content(), /did not come from this site|forbidden_origin/)

    // Each write left the page (the CORS ones as a preflight only).
    for (const path of ['/api/v1/password', '/api/v1/session', '/api/v1/account']) {
      assert.ok(
        sent.some((request) => request.endsWith(path)),
        `${path} in ${sent.join(', ')}`,
      )
    }
    assert.ok(answered.length > 0 && answered.every((status) => status === '403'), String(answered))
    // Nothing changed: the session stands, the password is the old one, no event.
    const me = await call(page, 'GET', '/api/v1/session')
    assert.equal(me.status, 200)
    assert.equal(me.body.session.id, sessionId)
    const [events] = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM auth_events e JOIN users u ON u.id = e.user_id
        WHERE u.username = 'spa-victim' AND e.kind IN ('reauthenticated', 'password_changed', 'signed_out')`,
    )
    assert.equal(events!.n, 0)
    const again = await call(page, 'POST', '/api/v1/session', {
      username: 'spa-victim',
      password: PASSWORD,
    })
    assert.equal(again.status, 201, 'the password is unchanged')
    await context.close()
  })
})
