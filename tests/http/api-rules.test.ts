import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { SMALL_SIGN_IN_LIMITS } from '../helpers/limit-waits.js'
import { codeAt, enableTwoFactor } from '../helpers/two-factor.js'
import { ApiClient, assertProblem, DocumentCheck } from '../helpers/api-client.js'

// The pages' rules hold through the API, counted in the same tables: an attacker gains
// nothing by switching between a form and a script. Limits are small here (as in
// sign-in-limits.test.ts); each test uses addresses of its own.

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'

const LIMITS = SMALL_SIGN_IN_LIMITS

let lastAddress = 0
const newAddress = () => `203.0.113.${++lastAddress}`

for (const engine of engines) {
  describe(`the API keeps the pages' rules (${engine})`, () => {
    let t: TestApp
    let check: DocumentCheck
    before(async () => {
      t = await startTestApp(engine, { env: LIMITS })
      check = await DocumentCheck.of(t.app)
    })
    after(() => t.close())

    const api = (ip: string, headers: Record<string, string> = {}) =>
      new ApiClient(t.app, check, { headers: { 'x-forwarded-for': ip, ...headers } })
    const page = (ip: string) => new TestClient(t.app, { 'x-forwarded-for': ip })

    async function account(name: string) {
      const registrar = page(newAddress())
      assert.equal((await registrar.register(name, PASSWORD)).statusCode, 303)
      return registrar
    }

    test('sign-in failures on the page and through the API add up: the fourth, either way, is 429', async () => {
      await account('mixed-limit')
      const ip = newAddress()
      assertProblem(
        await api(ip).post('/api/v1/session', { username: 'mixed-limit', password: WRONG }),
        401,
        'invalid_credentials',
      )
      assert.equal((await page(ip).login('mixed-limit', WRONG)).statusCode, 401)
      assertProblem(
        await api(ip).post('/api/v1/session', { username: 'mixed-limit', password: WRONG }),
        401,
        'invalid_credentials',
      )
      // The right password now: refused, by the API and by the page alike.
      const refused = await api(ip).post('/api/v1/session', {
        username: 'mixed-limit',
        password: PASSWORD,
      })
      assertProblem(refused, 429, 'too_many_attempts')
      assert.equal(refused.headers['retry-after'], '60')
      assert.equal(refused.body.retry_after, 60)
      assert.match(refused.body.detail, /1 minute/)
      assert.equal(refused.setCookies.filter((c) => c.startsWith('session=')).length, 0)
      assert.equal((await page(ip).login('mixed-limit', PASSWORD)).statusCode, 429)
      t.clock.advanceSeconds(60)
      assert.equal(
        (await api(ip).post('/api/v1/session', { username: 'mixed-limit', password: PASSWORD }))
          .status,
        201,
      )
    })

    test('a flood of wrong passwords through the API from many addresses locks the account for the page too', async () => {
      await account('flooded')
      const answers = await Promise.all(
        Array.from({ length: 12 }, () =>
          api(newAddress()).post('/api/v1/session', { username: 'flooded', password: WRONG }),
        ),
      )
      const statuses = answers.map((a) => a.status).sort()
      // At most six checked for the account (attempts in flight count at once, so under
      // a burst it may stop sooner), every other one waits, and none got in.
      const checked = statuses.filter((s) => s === 401).length
      assert.ok(checked >= 1 && checked <= 6, String(statuses))
      assert.equal(statuses.filter((s) => s === 429).length, 12 - checked, String(statuses))
      // The page goes on counting where the API left off: six failures in all, then
      // every address waits, the right password too.
      let failures = checked
      while (failures < 6) {
        assert.equal((await page(newAddress()).login('flooded', WRONG)).statusCode, 401)
        failures++
      }
      const fromPage = await page(newAddress()).login('flooded', PASSWORD)
      assert.equal(fromPage.statusCode, 429, 'a new address on the page waits too')
    })

    test('registrations through the page and the API count against one address', async () => {
      const ip = newAddress()
      // Every attempt let in counts, a refused password too (it costs no hash): 199 of
      // them, taking turns, then the 200th makes an account and the 201st waits.
      for (let i = 0; i < 199; i++) {
        if (i % 2 === 0) {
          const short = await api(ip).post('/api/v1/users', {
            username: `reg-${i}`,
            password: 'short',
          })
          assertProblem(short, 400, 'password_too_short')
        } else {
          assert.equal((await page(ip).register(`reg-${i}`, 'short')).statusCode, 400)
        }
      }
      assert.equal(
        (await api(ip).post('/api/v1/users', { username: 'reg-made', password: PASSWORD })).status,
        201,
      )
      const refused = await api(ip).post('/api/v1/users', {
        username: 'reg-late',
        password: PASSWORD,
      })
      assertProblem(refused, 429, 'too_many_attempts')
      assert.ok(Number(refused.headers['retry-after']) > 0)
      assert.equal((await page(ip).register('reg-later', PASSWORD)).statusCode, 429)
    })

    describe('with a second factor', () => {
      let secret: Uint8Array
      let recoveryCodes: string[]
      before(async () => {
        const owner = await account('two-step')
        ;({ secret, recoveryCodes } = await enableTwoFactor(owner, t.clock))
      })
      const code = (offset = 0) => codeAt(secret, t.clock.now(), offset)

      test('the cookie flow: 202 with the step in a cookie, then 201 for the right code', async () => {
        const browser = api(newAddress(), { origin: 'http://localhost:80' })
        const first = await browser.post('/api/v1/session', {
          username: 'two-step',
          password: PASSWORD,
        })
        assert.equal(first.status, 202)
        assert.deepEqual(first.body, { next: 'two_factor' })
        assert.ok(browser.jar.get('sign-in-step'))
        assert.equal(browser.jar.get('session'), undefined, 'no session yet')
        assertProblem(await browser.get('/api/v1/session'), 401, 'unauthenticated')
        assertProblem(
          await browser.post('/api/v1/session/two-factor', { code: 'not a code' }),
          400,
          'invalid_request',
        )
        const wrong = await browser.post('/api/v1/session/two-factor', { code: code(5) })
        assertProblem(wrong, 401, 'invalid_code')
        const signedIn = await browser.post('/api/v1/session/two-factor', { code: code() })
        assert.equal(signedIn.status, 201)
        assert.equal(signedIn.body.user.username, 'two-step')
        assert.equal(signedIn.body.token, undefined)
        assert.equal(browser.jar.get('sign-in-step'), undefined, 'the step is spent')
        assert.equal((await browser.get('/api/v1/session')).body.user.username, 'two-step')
        t.clock.advanceSeconds(30)
      })

      test('a script that keeps the step cookie but sends no Origin is refused: cookies are for this site', async () => {
        const script = api(newAddress())
        const first = await script.post('/api/v1/session', {
          username: 'two-step',
          password: PASSWORD,
          token: true,
        })
        assert.ok(script.jar.get('sign-in-step'))
        assertProblem(
          await script.post('/api/v1/session/two-factor', { code: code(), step: first.body.step }),
          403,
          'forbidden_origin',
        )
      })

      test('the token flow: the step in the body, a token at the end; a step is spent once', async () => {
        const script = api(newAddress())
        const first = await script.post(
          '/api/v1/session',
          { username: 'two-step', password: PASSWORD, token: true },
          { cookies: false },
        )
        assert.equal(first.status, 202)
        assert.equal(typeof first.body.step, 'string')
        const answer = { code: code(), step: first.body.step, token: true }
        const second = await script.post('/api/v1/session/two-factor', answer, { cookies: false })
        assert.equal(second.status, 201)
        script.token = second.body.token
        assert.equal((await script.get('/api/v1/session', { cookies: false })).status, 200)
        // The same step again (another code of the window): it is gone.
        t.clock.advanceSeconds(30)
        const again = await api(newAddress()).post(
          '/api/v1/session/two-factor',
          { ...answer, code: code() },
          { cookies: false },
        )
        assertProblem(again, 401, 'sign_in_step_expired')
        assertProblem(
          await api(newAddress()).post('/api/v1/session/two-factor', { code: code() }),
          401,
          'sign_in_step_expired',
        )
      })

      test('two requests finishing one step at once make one session', async () => {
        const script = api(newAddress())
        const first = await script.post('/api/v1/session', {
          username: 'two-step',
          password: PASSWORD,
          token: true,
        })
        t.clock.advanceSeconds(30)
        const body = { code: code(), step: first.body.step, token: true }
        const raced = await Promise.all(
          Array.from({ length: 4 }, () =>
            api(newAddress()).post('/api/v1/session/two-factor', body, { cookies: false }),
          ),
        )
        assert.equal(
          raced.filter((r) => r.status === 201).length,
          1,
          raced.map((r) => r.status).join(),
        )
        assert.ok(raced.every((r) => r.status === 201 || r.status === 401))
      })

      test('wrong codes through the API and on the page count in one window: the sixth waits on both', async () => {
        t.clock.advanceSeconds(15 * 60) // a fresh window
        const script = api(newAddress())
        const viaApi = async () => {
          const step = await script.post(
            '/api/v1/session',
            { username: 'two-step', password: PASSWORD, token: true },
            { cookies: false },
          )
          return script.post(
            '/api/v1/session/two-factor',
            { code: code(7), step: step.body.step },
            { cookies: false },
          )
        }
        const viaPage = async () => {
          const browser = page(newAddress())
          await browser.login('two-step', PASSWORD)
          return browser.submit('/login/two-factor', '/login/two-factor', { code: code(7) })
        }
        for (let i = 0; i < 5; i++) {
          if (i % 2 === 0) assertProblem(await viaApi(), 401, 'invalid_code')
          else assert.equal((await viaPage()).statusCode, 401)
        }
        const refused = await viaApi()
        assertProblem(refused, 429, 'too_many_attempts')
        assert.ok(Number(refused.headers['retry-after']) > 0)
        assert.equal((await viaPage()).statusCode, 429)
        t.clock.advanceSeconds(15 * 60 + 1)
      })

      test('a recovery code signs in and ends the other sessions, as on the page', async () => {
        const other = page(newAddress())
        await other.login('two-step', PASSWORD)
        t.clock.advanceSeconds(30)
        await other.submit('/login/two-factor', '/login/two-factor', { code: code() })
        assert.equal(signedInAs((await other.get('/')).body), 'two-step')
        const script = api(newAddress())
        const step = await script.post('/api/v1/session', {
          username: 'two-step',
          password: PASSWORD,
          token: true,
        })
        const signedIn = await script.post(
          '/api/v1/session/two-factor',
          { code: recoveryCodes[0]!, step: step.body.step, token: true },
          { cookies: false },
        )
        assert.equal(signedIn.status, 201)
        assert.equal(signedInAs((await other.get('/')).body), null, 'the page session ended')
      })

      test('PUT /password from a session past REAUTH_MAX_AGE needs the code too', async () => {
        const script = api(newAddress())
        const step = await script.post('/api/v1/session', {
          username: 'two-step',
          password: PASSWORD,
          token: true,
        })
        t.clock.advanceSeconds(30)
        script.token = (
          await script.post(
            '/api/v1/session/two-factor',
            { code: code(), step: step.body.step, token: true },
            { cookies: false },
          )
        ).body.token
        t.clock.advanceSeconds(t.config.session.reauthMaxAgeSeconds + 1)
        const change = { current_password: PASSWORD, new_password: 'a new long passphrase here' }
        // Without the code: the page's answer, "enter the code" (400, naming the field).
        const missing = await script.put('/api/v1/password', change, { cookies: false })
        assertProblem(missing, 400, 'invalid_request')
        assert.equal(missing.body.errors[0].pointer, '#/code')
        assertProblem(
          await script.put('/api/v1/password', { ...change, code: code(7) }, { cookies: false }),
          401,
          'invalid_code',
        )
        const changed = await script.put(
          '/api/v1/password',
          { ...change, code: code() },
          { cookies: false },
        )
        assert.equal(changed.status, 204)
      })
    })
  })
}
