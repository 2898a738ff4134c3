import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { engines } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { ApiClient, assertProblem, DocumentCheck } from '../helpers/api-client.js'

// Forgery against the API (docs/contract.md, "JSON API"): a cross-site fetch with the
// cookie, a "simple" text/plain JSON body and an HTML form post reach no handler of
// any write, and change nothing. Bearer requests carry no ambient credential.

const PASSWORD = 'a long and uncommon passphrase'
const SITE = 'http://localhost:80'

/** Each write, with a body that would change something if it got through. */
const WRITES: { method: 'POST' | 'PUT' | 'DELETE'; url: (ids: Ids) => string; body: unknown }[] = [
  {
    method: 'POST',
    url: () => '/api/v1/users',
    body: { username: 'forged-new', password: PASSWORD },
  },
  {
    method: 'POST',
    url: () => '/api/v1/session',
    body: { username: 'forger', password: PASSWORD },
  },
  { method: 'POST', url: () => '/api/v1/session/two-factor', body: { code: '123456' } },
  { method: 'POST', url: () => '/api/v1/session/reauthenticate', body: { password: PASSWORD } },
  { method: 'DELETE', url: () => '/api/v1/session', body: undefined },
  { method: 'DELETE', url: (ids) => `/api/v1/sessions/${ids.other}`, body: undefined },
  {
    method: 'PUT',
    url: () => '/api/v1/password',
    body: { current_password: PASSWORD, new_password: 'the forger chose this one' },
  },
  { method: 'DELETE', url: () => '/api/v1/account', body: { password: PASSWORD } },
]

interface Ids {
  current: string
  other: string
}

for (const engine of engines) {
  describe(`API forgery (${engine})`, () => {
    let t: TestApp
    let check: DocumentCheck
    let victim: ApiClient
    let phone: ApiClient
    const ids: Ids = { current: '', other: '' }
    before(async () => {
      t = await startTestApp(engine)
      check = await DocumentCheck.of(t.app)
      victim = new ApiClient(t.app, check, { headers: { origin: SITE } })
      const created = await victim.post('/api/v1/users', { username: 'victim', password: PASSWORD })
      assert.equal(created.status, 201)
      ids.current = created.body.session.id
      phone = new ApiClient(t.app, check)
      const other = await phone.post('/api/v1/session', {
        username: 'victim',
        password: PASSWORD,
        token: true,
      })
      phone.token = other.body.token
      ids.other = other.body.session.id
    })
    after(() => t.close())

    /** The victim's state, which no refused request may change. */
    async function assertNothingChanged() {
      const me = await victim.get('/api/v1/session', { headers: { origin: '' } })
      assert.equal(me.status, 200, 'the cookie session stands')
      assert.equal(me.body.session.id, ids.current)
      assert.equal((await phone.get('/api/v1/session', { cookies: false })).status, 200)
      const sessions = await victim.get('/api/v1/sessions')
      assert.equal(sessions.body.sessions.length, 2, 'no session ended, none added')
      const members = await victim.get('/api/v1/members')
      assert.deepEqual(
        members.body.members.map((m: { username: string }) => m.username),
        ['victim'],
        'no account made',
      )
      const [row] = await t.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM auth_events WHERE kind IN ('password_changed', 'reauthenticated', 'signed_out', 'session_revoked')",
      )
      assert.equal(row!.n, 0, 'no change recorded')
    }

    for (const write of WRITES) {
      const what = `${write.method} ${write.url(ids).replace(/sessions\/.*/, 'sessions/{id}')}`

      test(`${what}: a cross-site fetch carrying the cookie is refused (403)`, async () => {
        for (const headers of <Record<string, string>[]>[
          { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
          { origin: 'https://evil.example' },
          { 'sec-fetch-site': 'same-site', origin: 'http://sub.localhost' },
          // No Origin and no Sec-Fetch-Site: nothing says it came from this site.
          { origin: '' },
          // Credentials a browser may attach by itself (HTTP Basic) are no bearer.
          { origin: 'https://evil.example', authorization: 'Basic dXNlcjpwYXNz' },
          { origin: 'https://evil.example', authorization: 'Bearer not.valid' },
          { origin: 'null' },
        ]) {
          const answer = await victim.request(write.method, write.url(ids), {
            ...(write.body === undefined ? {} : { json: write.body }),
            headers,
          })
          assertProblem(answer, 403, 'forbidden_origin')
        }
        await assertNothingChanged()
      })

      test(`${what}: a text/plain JSON body and a form post are refused (415), even from this site`, async () => {
        const body = JSON.stringify(write.body ?? {})
        for (const contentType of [
          'text/plain',
          'text/plain; charset=utf-8',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
        ]) {
          const answer = await victim.request(write.method, write.url(ids), {
            body: contentType.startsWith('application/x-www') ? 'password=x&username=y' : body,
            headers: { 'content-type': contentType },
          })
          assertProblem(answer, 415, 'unsupported_media_type')
        }
        // A cross-site form post (what an HTML form on another site sends).
        const form = await victim.request(write.method, write.url(ids), {
          body: 'password=x',
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            origin: 'https://evil.example',
            'sec-fetch-site': 'cross-site',
          },
        })
        assertProblem(form, 403, 'forbidden_origin')
        await assertNothingChanged()
      })
    }

    test('a write from this site with the cookie goes through (the control)', async () => {
      const confirm = await victim.post('/api/v1/session/reauthenticate', { password: 'wrong' })
      assertProblem(confirm, 401, 'invalid_credentials') // it reached the handler
      const bySecFetch = new ApiClient(t.app, check, {
        headers: { 'sec-fetch-site': 'same-origin' },
      })
      for (const [name, value] of victim.jar) bySecFetch.jar.set(name, value)
      assertProblem(
        await bySecFetch.post('/api/v1/session/reauthenticate', { password: 'wrong' }),
        401,
        'invalid_credentials',
      )
    })

    test('a bearer request needs no Origin: it carries no ambient credential', async () => {
      const answer = await phone.post(
        '/api/v1/session/reauthenticate',
        { password: 'wrong' },
        { cookies: false, headers: { origin: 'https://tool.example' } },
      )
      assertProblem(answer, 401, 'invalid_credentials')
      // Still JSON only.
      const plain = await phone.request('PUT', '/api/v1/password', {
        body: '{}',
        headers: { 'content-type': 'text/plain' },
        cookies: false,
      })
      assertProblem(plain, 415, 'unsupported_media_type')
    })
  })
}
