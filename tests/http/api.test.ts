import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { message, signedInAs } from '../helpers/pages.js'
import { insertUserRow } from '../helpers/sql.js'
import { codeAt, enableTwoFactor } from '../helpers/two-factor.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { ApiClient, assertProblem, DocumentCheck, type Transport } from '../helpers/api-client.js'

// The JSON API (docs/contract.md, "JSON API"), row by row, over inject and over a real
// socket, on both engines. Every answer goes through ApiClient, which checks it against
// the OpenAPI document the app generates. Each test signs in from an address of its
// own (TRUST_PROXY, X-Forwarded-For), so the limits of one never reach another.

const PASSWORD = 'a long and uncommon passphrase'
const OTHER_PASSWORD = 'another long and uncommon one'

const transports: Transport[] = ['inject', 'socket']
let address = 0
const nextAddress = () => `198.51.100.${++address}`

for (const engine of engines) {
  for (const transport of transports) {
    describe(`JSON API (${engine}, ${transport})`, () => {
      let t: TestApp
      let check: DocumentCheck
      let baseUrl = ''
      before(async () => {
        t = await startTestApp(engine, {
          env: { TRUST_PROXY: 'true', SESSION_IDLE_TIMEOUT: '1800' },
        })
        check = await DocumentCheck.of(t.app)
        if (transport === 'socket') {
          await t.app.listen({ port: 0, host: '127.0.0.1' })
          baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
        }
      })
      after(() => t.close())

      /** A script (no Origin, no cookies unless it keeps them) from an address of its own. */
      const client = (headers: Record<string, string> = {}) =>
        new ApiClient(t.app, check, {
          transport,
          baseUrl,
          headers: { 'x-forwarded-for': nextAddress(), ...headers },
        })
      /** A page of this site calling the API with fetch: its origin, its cookies. */
      const browser = () =>
        client({ origin: transport === 'socket' ? baseUrl : 'http://localhost:80' })

      async function registered(username: string, password = PASSWORD) {
        const api = client()
        const created = await api.post('/api/v1/users', { username, password, token: true })
        assert.equal(created.status, 201, created.text)
        api.token = created.body.token
        return api
      }

      test('POST /users: 201, signed in with a cookie, and the token only when asked', async () => {
        const withToken = client()
        const created = await withToken.post('/api/v1/users', {
          username: 'api-alice',
          password: PASSWORD,
          token: true,
        })
        assert.equal(created.status, 201)
        assert.equal(created.body.user.username, 'api-alice')
        assert.match(created.body.token, /^[\w-]+\.[\w-]+$/)
        assert.equal(created.body.token.split('.')[0], created.body.session.id)
        assert.ok(withToken.jar.get('session'), 'the cookie is set too')
        assert.equal(created.headers['cache-control'], 'no-store')

        const cookieOnly = browser()
        const plain = await cookieOnly.post('/api/v1/users', {
          username: 'api-bob',
          password: PASSWORD,
        })
        assert.equal(plain.status, 201)
        assert.equal(plain.body.token, undefined, 'no token unless asked for')
        assert.ok(cookieOnly.jar.get('session'))
        const me = await cookieOnly.get('/api/v1/session')
        assert.equal(me.status, 200)
        assert.equal(me.body.user.username, 'api-bob')
      })

      test('POST /users refuses with the stable codes and names each field', async () => {
        await registered('api-taken')
        const api = client()
        const short = await api.post('/api/v1/users', { username: 'api-short', password: 'short' })
        assertProblem(short, 400, 'password_too_short')
        assert.deepEqual(
          short.body.errors.map((e: { pointer: string; code: string }) => [e.pointer, e.code]),
          [['#/password', 'password_too_short']],
        )
        assert.equal(
          short.body.errors[0].detail,
          message('error.password_too_short', { min: t.config.passwordMinLength }),
        )
        assertProblem(
          await api.post('/api/v1/users', { username: 'api-common', password: 'password123' }),
          400,
          'password_too_common',
        )
        const badName = await api.post('/api/v1/users', { username: 'a b', password: PASSWORD })
        assertProblem(badName, 400, 'username_invalid')
        assert.equal(badName.body.errors[0].pointer, '#/username')
        // Taken after NFKC and case folding, as on the page.
        for (const taken of ['API-TAKEN', 'ＡＰＩ-ｔａｋｅｎ']) {
          assertProblem(
            await api.post('/api/v1/users', { username: taken, password: PASSWORD }),
            409,
            'username_taken',
          )
        }
        const wrongTypes = await api.post('/api/v1/users', { username: 42, password: [PASSWORD] })
        assertProblem(wrongTypes, 400, 'invalid_request')
        assert.deepEqual(wrongTypes.body.errors.map((e: { pointer: string }) => e.pointer).sort(), [
          '#/password',
          '#/username',
        ])
        assertProblem(await api.post('/api/v1/users', {}), 400, 'invalid_request')
      })

      test('POST /session: 201 with user and session; the same 401 for a wrong password and an unknown name', async () => {
        await registered('api-carol')
        const api = client()
        const signedIn = await api.post('/api/v1/session', {
          username: 'API-Carol', // names fold as on the page
          password: PASSWORD,
          remember: true,
          token: true,
        })
        assert.equal(signedIn.status, 201)
        assert.equal(signedIn.body.user.username, 'api-carol')
        assert.equal(signedIn.body.session.remember, true)
        assert.equal(signedIn.body.session.idle_expires_at, null, 'remember-me has no idle limit')
        assert.match(String(signedIn.setCookies.find((c) => c.startsWith('session='))), /Max-Age=/)

        const wrong = await client().post('/api/v1/session', {
          username: 'api-carol',
          password: 'not the password',
        })
        const unknown = await client().post('/api/v1/session', {
          username: 'api-nobody',
          password: 'not the password',
        })
        assertProblem(wrong, 401, 'invalid_credentials')
        assertProblem(unknown, 401, 'invalid_credentials')
        assert.deepEqual(wrong.body, unknown.body)
        assert.equal(wrong.setCookies.filter((c) => c.startsWith('session=')).length, 0)
      })

      test('POST /session with a second factor: 202, then POST /session/two-factor: 201', async () => {
        const owner = new TestClient(t.app, { 'x-forwarded-for': nextAddress() })
        assert.equal((await owner.register('api-factor', PASSWORD)).statusCode, 303)
        const { secret } = await enableTwoFactor(owner, t.clock)
        const api = client()
        const first = await api.post(
          '/api/v1/session',
          { username: 'api-factor', password: PASSWORD, token: true },
          { cookies: false },
        )
        assert.equal(first.status, 202)
        assert.equal(first.body.next, 'two_factor')
        const wrong = await api.post(
          '/api/v1/session/two-factor',
          { code: codeAt(secret, t.clock.now(), 9), step: first.body.step },
          { cookies: false },
        )
        assertProblem(wrong, 401, 'invalid_code')
        const second = await api.post(
          '/api/v1/session/two-factor',
          { code: codeAt(secret, t.clock.now()), step: first.body.step, token: true },
          { cookies: false },
        )
        assert.equal(second.status, 201)
        assert.equal(second.body.user.username, 'api-factor')
        api.token = second.body.token
        assert.equal((await api.get('/api/v1/session', { cookies: false })).status, 200)
        t.clock.advanceSeconds(30)
      })

      test('GET /session: the session with its idle and absolute ends; 401 without one', async () => {
        const api = await registered('api-dave')
        const me = await api.get('/api/v1/session', { cookies: false })
        assert.equal(me.status, 200)
        const { session } = me.body
        assert.equal(
          Date.parse(session.idle_expires_at) - Date.parse(session.last_seen_at),
          1800 * 1000,
        )
        assert.equal(
          Date.parse(session.expires_at) - Date.parse(session.signed_in_at),
          t.config.session.absoluteTimeoutSeconds * 1000,
        )
        const anonymous = await client().get('/api/v1/session')
        assertProblem(anonymous, 401, 'unauthenticated')
        assert.equal(anonymous.headers['www-authenticate'], 'Bearer')
        const forged = client()
        forged.token = `${session.id}.${'A'.repeat(43)}`
        const refused = await forged.get('/api/v1/session')
        assertProblem(refused, 401, 'unauthenticated')
        assert.equal(refused.headers['www-authenticate'], 'Bearer error="invalid_token"')
        const garbage = client()
        garbage.token = 'not a token at all'
        assertProblem(await garbage.get('/api/v1/session'), 401, 'unauthenticated')
      })

      test('a bearer token is the same server-side session: listed on /account, revoked there, ended by the idle limit', async () => {
        const api = await registered('api-erin')
        const page = new TestClient(t.app, { 'x-forwarded-for': nextAddress() })
        assert.equal((await page.login('api-erin', PASSWORD)).statusCode, 303)
        const account = await page.get('/account')
        const tokenSession = api.token!.split('.')[0]!
        assert.ok(account.body.includes(`value="${tokenSession}"`), 'listed with a revoke button')
        const revoked = await page.submit('/account', '/account/sessions/revoke', {
          session: tokenSession,
        })
        assert.equal(revoked.statusCode, 303)
        assertProblem(await api.get('/api/v1/session', { cookies: false }), 401, 'unauthenticated')

        const idle = await registered('api-erin-idle')
        assert.equal((await idle.get('/api/v1/session', { cookies: false })).status, 200)
        t.clock.advanceSeconds(1801)
        assertProblem(await idle.get('/api/v1/session', { cookies: false }), 401, 'unauthenticated')
      })

      test('DELETE /session: 204, and the token is dead on the server', async () => {
        const api = await registered('api-frank')
        const out = await api.delete('/api/v1/session', undefined, { cookies: false })
        assert.equal(out.status, 204)
        assertProblem(await api.get('/api/v1/session', { cookies: false }), 401, 'unauthenticated')
        // Signed out already: still 204 (signing out is idempotent).
        assert.equal(
          (await api.delete('/api/v1/session', undefined, { cookies: false })).status,
          204,
        )
        // With the cookie, from this site's page: the cookie goes too.
        const page = browser()
        await page.post('/api/v1/users', { username: 'api-frank-b', password: PASSWORD })
        const signedOut = await page.delete('/api/v1/session')
        assert.equal(signedOut.status, 204)
        assert.equal(page.jar.get('session'), undefined)
      })

      test("GET /sessions lists the account's sessions; DELETE /sessions/{id}: 204, and 404 alike for a stranger's id and none", async () => {
        const laptop = await registered('api-grace')
        const phone = client({
          'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
        })
        const signedIn = await phone.post('/api/v1/session', {
          username: 'api-grace',
          password: PASSWORD,
          token: true,
        })
        phone.token = signedIn.body.token
        const list = await laptop.get('/api/v1/sessions', { cookies: false })
        assert.equal(list.status, 200)
        assert.equal(list.body.sessions.length, 2)
        const phoneRow = list.body.sessions.find((s: { current: boolean }) => !s.current)
        assert.equal(phoneRow.id, signedIn.body.session.id)
        assert.deepEqual(phoneRow.device, { browser: 'Firefox', os: 'Linux' })
        assert.match(phoneRow.address, /^198\.51\.100\./)

        const stranger = await registered('api-grace-stranger')
        const strangers = (await stranger.get('/api/v1/sessions', { cookies: false })).body
        const foreign = await laptop.delete(
          `/api/v1/sessions/${strangers.sessions[0].id}`,
          undefined,
          { cookies: false },
        )
        const none = await laptop.delete('/api/v1/sessions/no-such-session-id', undefined, {
          cookies: false,
        })
        assertProblem(foreign, 404, 'not_found')
        assertProblem(none, 404, 'not_found')
        assert.deepEqual(foreign.body, none.body)
        assert.equal((await stranger.get('/api/v1/session', { cookies: false })).status, 200)

        const ended = await laptop.delete(`/api/v1/sessions/${phoneRow.id}`, undefined, {
          cookies: false,
        })
        assert.equal(ended.status, 204)
        assertProblem(
          await phone.get('/api/v1/session', { cookies: false }),
          401,
          'unauthenticated',
        )
      })

      test('ending another session needs a recent sign-in, as on the account page; POST /session/reauthenticate gives one', async () => {
        const laptop = await registered('api-heidi')
        const phone = client()
        phone.token = (
          await phone.post('/api/v1/session', {
            username: 'api-heidi',
            password: PASSWORD,
            token: true,
          })
        ).body.token
        t.clock.advanceSeconds(t.config.session.reauthMaxAgeSeconds + 1)
        const phoneId = phone.token!.split('.')[0]!
        const stale = await laptop.delete(`/api/v1/sessions/${phoneId}`, undefined, {
          cookies: false,
        })
        assertProblem(stale, 401, 'reauthentication_required')
        assert.equal((await phone.get('/api/v1/session', { cookies: false })).status, 200)
        assertProblem(
          await laptop.post(
            '/api/v1/session/reauthenticate',
            { password: 'wrong' },
            { cookies: false },
          ),
          401,
          'invalid_credentials',
        )
        const confirmed = await laptop.post(
          '/api/v1/session/reauthenticate',
          { password: PASSWORD },
          { cookies: false },
        )
        assert.equal(confirmed.status, 204)
        assert.equal(
          (await laptop.delete(`/api/v1/sessions/${phoneId}`, undefined, { cookies: false }))
            .status,
          204,
        )
        // Its own session needs nothing: that is signing out.
        const own = laptop.token!.split('.')[0]!
        assert.equal(
          (await laptop.delete(`/api/v1/sessions/${own}`, undefined, { cookies: false })).status,
          204,
        )
        assertProblem(
          await laptop.get('/api/v1/session', { cookies: false }),
          401,
          'unauthenticated',
        )
        // With the cookie, from this site: it is signing out, and the cookie goes.
        const page = browser()
        const made = await page.post('/api/v1/users', {
          username: 'api-heidi-b',
          password: PASSWORD,
        })
        const ended = await page.delete(`/api/v1/sessions/${made.body.session.id}`)
        assert.equal(ended.status, 204)
        assert.equal(page.jar.get('session'), undefined)
      })

      test('PUT /password: 204 and the other sessions end; 401 for a wrong current one, 400 for a weak new one', async () => {
        const laptop = await registered('api-ivan')
        const phone = client()
        phone.token = (
          await phone.post('/api/v1/session', {
            username: 'api-ivan',
            password: PASSWORD,
            token: true,
          })
        ).body.token
        assertProblem(
          await laptop.put(
            '/api/v1/password',
            { current_password: 'wrong', new_password: OTHER_PASSWORD },
            { cookies: false },
          ),
          401,
          'invalid_credentials',
        )
        const weak = await laptop.put(
          '/api/v1/password',
          { current_password: PASSWORD, new_password: 'short' },
          { cookies: false },
        )
        assertProblem(weak, 400, 'password_too_short')
        assert.equal(weak.body.errors[0].pointer, '#/new_password')
        const changed = await laptop.put(
          '/api/v1/password',
          { current_password: PASSWORD, new_password: OTHER_PASSWORD },
          { cookies: false },
        )
        assert.equal(changed.status, 204)
        assert.equal(
          (await laptop.get('/api/v1/session', { cookies: false })).status,
          200,
          'this one stays',
        )
        assertProblem(
          await phone.get('/api/v1/session', { cookies: false }),
          401,
          'unauthenticated',
        )
        assertProblem(
          await client().post('/api/v1/session', { username: 'api-ivan', password: PASSWORD }),
          401,
          'invalid_credentials',
        )
        assert.equal(
          (
            await client().post('/api/v1/session', {
              username: 'api-ivan',
              password: OTHER_PASSWORD,
            })
          ).status,
          201,
        )
      })

      test('DELETE /account: 401 for a wrong password; 204, and the account and its sessions are gone', async () => {
        const api = await registered('api-judy')
        assertProblem(
          await api.delete('/api/v1/account', { password: 'wrong' }, { cookies: false }),
          401,
          'invalid_credentials',
        )
        assertProblem(
          await api.delete('/api/v1/account', undefined, { cookies: false }),
          415,
          'unsupported_media_type',
        )
        const deleted = await api.delete(
          '/api/v1/account',
          { password: PASSWORD },
          { cookies: false },
        )
        assert.equal(deleted.status, 204)
        assertProblem(await api.get('/api/v1/session', { cookies: false }), 401, 'unauthenticated')
        assertProblem(
          await client().post('/api/v1/session', { username: 'api-judy', password: PASSWORD }),
          401,
          'invalid_credentials',
        )
      })

      test("GET /members: pages of 50 with the page's cursor; 400 for a bad one; 401 signed out", async () => {
        const api = await registered('api-mallory')
        for (let i = 0; i < 50; i++) {
          const username = `api-member-${i}`
          await insertUserRow(t.db, { username, passwordHash: 'x', usernameSkeleton: username })
        }
        await t.caughtUp()
        const first = await api.get('/api/v1/members', { cookies: false })
        assert.equal(first.status, 200)
        assert.equal(first.body.members.length, 50)
        assert.equal(first.body.members[0].username, 'api-member-49', 'newest first')
        assert.equal(typeof first.body.next, 'string')
        const second = await api.get(`/api/v1/members?after=${first.body.next}`, { cookies: false })
        assert.equal(second.status, 200)
        assert.ok(second.body.members.length > 0)
        assert.ok(second.body.members.every((m: { id: number }) => m.id < Number(first.body.next)))
        for (const bad of ['0x10', '1e3', '-1', 'abc', '']) {
          assertProblem(
            await api.get(`/api/v1/members?after=${bad}`, { cookies: false }),
            400,
            'invalid_cursor',
          )
        }
        assertProblem(await client().get('/api/v1/members'), 401, 'unauthenticated')
      })

      test('signing in again through the API ends the session whose cookie came with it (fixation)', async () => {
        const page = browser()
        await page.post('/api/v1/users', { username: 'api-niaj', password: PASSWORD })
        const before = (await page.get('/api/v1/session')).body.session.id
        const again = await page.post('/api/v1/session', {
          username: 'api-niaj',
          password: PASSWORD,
        })
        assert.equal(again.status, 201)
        assert.notEqual(again.body.session.id, before)
        const list = await page.get('/api/v1/sessions')
        assert.deepEqual(
          list.body.sessions.map((s: { id: string }) => s.id),
          [again.body.session.id],
        )
      })

      test('bad input: broken JSON, a huge body, a broken cookie, an unknown address, all problems', async () => {
        const api = client()
        assertProblem(
          await api.request('POST', '/api/v1/session', {
            body: '{"username": ',
            headers: { 'content-type': 'application/json' },
          }),
          400,
          'invalid_request',
        )
        assertProblem(
          await api.request('POST', '/api/v1/session', {
            body: JSON.stringify({ username: 'x', password: 'y'.repeat(70 * 1024) }),
            headers: { 'content-type': 'application/json' },
          }),
          413,
          'payload_too_large',
        )
        const crumbs = client()
        crumbs.jar.set('session', '%%%broken')
        assertProblem(await crumbs.get('/api/v1/session'), 401, 'unauthenticated')
        assertProblem(await api.get('/api/v1/no-such-thing'), 404, 'not_found')
        // A URL that does not decode is refused before routing: a problem still.
        assertProblem(await api.get('/api/v1/%zz'), 400, 'invalid_request')
        const unknownField = await api.post('/api/v1/session', {
          username: 'x',
          password: 'y',
          remeber: true,
        })
        assertProblem(unknownField, 400, 'invalid_request')
        assert.deepEqual(unknownField.body.errors, [
          { pointer: '#/remeber', code: 'unknown_field', detail: message('problem.field.unknown') },
        ])
        const missing = await api.post('/api/v1/session', { username: 'x' })
        assert.deepEqual(missing.body.errors, [
          { pointer: '#/password', code: 'required', detail: message('problem.field.required') },
        ])
        const huge = await api.post('/api/v1/session', { username: 'x'.repeat(300), password: 'y' })
        assertProblem(huge, 400, 'invalid_request')
        assert.equal(huge.body.errors[0].pointer, '#/username')
        assert.doesNotMatch(huge.text, /SELECT|stack|argon2/i)
      })

      test("titles are in the request's language", async () => {
        const zh = await client({ 'accept-language': 'zh-CN' }).get('/api/v1/session')
        assertProblem(zh, 401, 'unauthenticated')
        assert.equal(zh.body.title, '请先登录。')
        const en = await client({ 'accept-language': 'en' }).get('/api/v1/session')
        assert.equal(en.body.title, 'Sign in first.')
        assert.match(String(zh.headers.vary), /Accept-Language/)
      })

      test('the page and the API see one account: registered by the API, signed in on the page', async () => {
        await registered('api-olivia')
        const page = new TestClient(t.app, { 'x-forwarded-for': nextAddress() })
        assert.equal((await page.login('api-olivia', PASSWORD)).statusCode, 303)
        assert.equal(signedInAs((await page.get('/')).body), 'api-olivia')
      })

      // Last: every operation the document lists was answered here with a success it
      // documents (a 2xx), so no row of the API is left out of this file.
      test('every operation of the document was exercised with a documented success', () => {
        const operations = Object.entries(check.document.paths).flatMap(([path, methods]) =>
          Object.keys(methods).map((method) => `${method} ${path}`),
        )
        const unexercised = operations.filter(
          (operation) =>
            ![...check.seen].some((seen) => new RegExp(`^${operation} 2\\d\\d$`).test(seen)),
        )
        assert.deepEqual(unexercised, [])
      })
    })
  }
}
