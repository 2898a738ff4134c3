import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { signInSubject } from '../../src/auth/sign-in-limits.js'
import { formatDuration } from '../../src/views/format.js'
import { hiddenInputs, setCookie, TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { formError, message } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { SMALL_SIGN_IN_LIMITS } from '../helpers/limit-waits.js'

// docs/contract.md "Sign-in limits" and README "Sign-in limits", through the real app,
// with small limits from the environment and the test clock instead of waiting.
// Client addresses come from X-Forwarded-For (TRUST_PROXY=true); every test uses
// addresses of its own, so the per-address counters of one do not reach another.

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'

const LIMITS = SMALL_SIGN_IN_LIMITS

const from = (t: TestApp, ip: string) => new TestClient(t.app, { 'x-forwarded-for': ip })

/**
 * 429, Retry-After, and the form again saying to wait that long. Every wait here is
 * under a minute or whole minutes, so the message says Retry-After as it is.
 */
function assertTooMany(response: LightMyRequestResponse, retryAfter: number) {
  assert.equal(response.statusCode, 429)
  assert.equal(response.headers['retry-after'], String(retryAfter))
  const wait = formatDuration(retryAfter, message)
  assert.equal(formError(response.body), message('limit.tryAgain', { wait }))
  assert.equal(response.headers['cache-control'], 'no-store')
  assert.equal(setCookie(response, 'session'), undefined, 'no session is started')
}

async function failTimes(client: TestClient, username: string, times: number) {
  for (let i = 0; i < times; i++) {
    const response = await client.login(username, WRONG)
    assert.equal(response.statusCode, 401, `failure ${i + 1} of ${times} for ${username}`)
  }
}

for (const engine of engines) {
  describe(`sign-in limits (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: LIMITS })
      // Registered from an address no test signs in from.
      const registrar = from(t, '192.0.2.250')
      for (const name of ['limited', 'backoff', 'reset', 'roaming', 'spread', 'known']) {
        assert.equal((await registrar.register(name, PASSWORD)).statusCode, 303)
      }
    })
    after(() => t.close())

    test('after 3 failures for a name from an address the next attempt gets 429, even with the right password', async () => {
      const client = from(t, '198.51.100.1')
      await failTimes(client, 'limited', 3)
      const refused = await client.login('limited', PASSWORD, { next: '/account', remember: 'on' })
      assertTooMany(refused, 60)
      assert.match(refused.body, /name="username"[^>]*value="limited"/, 'the typed name is kept')
      assert.match(refused.body, /name="next" value="\/account"/)
      assert.match(refused.body, /name="remember"[^>]*checked/)
    })

    test('the 429 lasts until the wait has passed; each failure after it doubles the wait up to SIGN_IN_MAX_WAIT', async () => {
      const client = from(t, '198.51.100.2')
      await failTimes(client, 'backoff', 3)
      assertTooMany(await client.login('backoff', PASSWORD), 60)
      t.clock.advanceSeconds(59)
      assertTooMany(await client.login('backoff', PASSWORD), 1)
      t.clock.advanceSeconds(1)
      await failTimes(client, 'backoff', 1)
      assertTooMany(await client.login('backoff', PASSWORD), 120)
      t.clock.advanceSeconds(120)
      await failTimes(client, 'backoff', 1)
      assertTooMany(await client.login('backoff', PASSWORD), 240)
      t.clock.advanceSeconds(240)
      await failTimes(client, 'backoff', 1)
      assertTooMany(await client.login('backoff', PASSWORD), 240)
      t.clock.advanceSeconds(240)
      assert.equal((await client.login('backoff', PASSWORD)).statusCode, 303)
    })

    test('a success resets the count for that name from that address', async () => {
      const client = from(t, '198.51.100.3')
      await failTimes(client, 'reset', 2)
      assert.equal((await client.login('reset', PASSWORD)).statusCode, 303)
      await failTimes(from(t, '198.51.100.3'), 'reset', 3)
      assertTooMany(await client.login('reset', PASSWORD), 60)
    })

    test('another address is not held up by the name+address limit', async () => {
      await failTimes(from(t, '198.51.100.4'), 'roaming', 3)
      assertTooMany(await from(t, '198.51.100.4').login('roaming', PASSWORD), 60)
      assert.equal((await from(t, '198.51.100.5').login('roaming', PASSWORD)).statusCode, 303)
      assert.equal((await from(t, '198.51.100.4').login('roaming', PASSWORD)).statusCode, 429)
    })

    test('6 failures for an account from any addresses make every address wait; a success afterwards resets it', async () => {
      await failTimes(from(t, '203.0.113.1'), 'spread', 2)
      await failTimes(from(t, '203.0.113.2'), 'spread', 2)
      await failTimes(from(t, '203.0.113.3'), 'spread', 2)
      const fresh = from(t, '203.0.113.4')
      assertTooMany(await fresh.login('spread', PASSWORD), 60)
      assert.equal((await fresh.login('someone_else', WRONG)).statusCode, 401, 'other names go on')
      t.clock.advanceSeconds(60)
      assert.equal((await fresh.login('Spread', PASSWORD)).statusCode, 303)
      const rows = await t.db.query(
        "SELECT 1 FROM attempt_limits WHERE scope = 'account' AND key = $1",
        [signInSubject('spread', '203.0.113.4').nameKey],
      )
      assert.equal(rows.length, 0, 'the account counter is gone')
    })

    test('8 failures from one address across names make that address wait, for any name', async () => {
      const sprayer = from(t, '203.0.113.20')
      for (let i = 0; i < 8; i++) await failTimes(sprayer, `sprayed${i}`, 1)
      assertTooMany(await sprayer.login('known', PASSWORD), 60)
      assert.equal((await from(t, '203.0.113.21').login('known', PASSWORD)).statusCode, 303)
    })

    test('an unknown name and a wrong password get the same 429', async () => {
      const one = from(t, '203.0.113.30')
      const other = from(t, '203.0.113.31')
      await failTimes(one, 'known', 3)
      await failTimes(other, 'unknown_name', 3)
      const known = await one.login('known', WRONG)
      const unknown = await other.login('unknown_name', WRONG)
      const comparable = (response: LightMyRequestResponse) => ({
        status: response.statusCode,
        retryAfter: response.headers['retry-after'],
        type: response.headers['content-type'],
        body: response.body
          .replace(/value="[^"]*"/g, 'value=""')
          .replace(/known|unknown_name/g, 'NAME'),
      })
      assert.deepEqual(comparable(unknown), comparable(known))
      assert.equal(known.statusCode, 429)
    })

    test('registrations from one address are limited to 200 a minute, /regist included', async () => {
      const client = from(t, '203.0.113.40')
      const form = hiddenInputs((await client.get('/register')).body, '/register')
      for (let i = 0; i < 200; i++) {
        const path = i % 2 ? '/register' : '/regist'
        const response = await client.post(path, { ...form, username: `r${i}`, password: '' })
        assert.equal(response.statusCode, 400, `registration ${i + 1}`)
      }
      t.clock.advanceSeconds(20)
      const refused = await client.post('/register', {
        ...form,
        username: 'ria',
        password: PASSWORD,
      })
      assertTooMany(refused, 40)
      assert.match(refused.body, /name="username"[^>]*value="ria"/, 'the typed name is kept')
      assert.equal((await from(t, '203.0.113.41').register('ria', PASSWORD)).statusCode, 303)
      t.clock.advanceSeconds(40)
      assert.equal((await client.register('ria2', PASSWORD)).statusCode, 303)
    })
  })

  describe(`a refused sign-in costs no password verification (${engine})`, () => {
    let t: TestApp
    before(async () => {
      // A slow hash (and dummy hash), so that a verification cannot hide in the noise.
      t = await startTestApp(engine, { env: { ...LIMITS, PASSWORD_HASH_ITERATIONS: '12' } })
      assert.equal((await from(t, '192.0.2.250').register('slow', PASSWORD)).statusCode, 303)
    })
    after(() => t.close())

    /** Milliseconds taken by the POST of a sign-in (the form is loaded first, untimed). */
    async function timedLogin(client: TestClient, username: string) {
      const form = hiddenInputs((await client.get('/login')).body, '/login')
      const started = performance.now()
      const response = await client.post('/login', { ...form, username, password: WRONG })
      return { status: response.statusCode, ms: performance.now() - started }
    }

    test('a refused attempt is answered without verifying, for a known and an unknown name alike', async () => {
      const verified: number[] = []
      const refused: number[] = []
      for (const [name, ip] of [
        ['slow', '198.51.100.60'],
        ['no_such_name', '198.51.100.61'],
      ] as const) {
        const client = from(t, ip)
        for (let i = 0; i < 3; i++) {
          const attempt = await timedLogin(client, name)
          assert.equal(attempt.status, 401)
          verified.push(attempt.ms)
        }
        for (let i = 0; i < 3; i++) {
          const attempt = await timedLogin(client, name)
          assert.equal(attempt.status, 429)
          refused.push(attempt.ms)
        }
      }
      const slowestRefused = Math.max(...refused)
      const fastestVerified = Math.min(...verified)
      assert.ok(
        slowestRefused < fastestVerified / 3,
        `refused in at most ${slowestRefused.toFixed(1)} ms, verified in at least ${fastestVerified.toFixed(1)} ms`,
      )
    })
  })

  describe(`sign-in limits turned off for benchmarks (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: { ...LIMITS, RATE_LIMITS: 'off', SIGN_IN_FAILURES_PER_NAME_ADDRESS: '1' },
      })
      assert.equal((await new TestClient(t.app).register('bench', PASSWORD)).statusCode, 303)
    })
    after(() => t.close())

    test('with RATE_LIMITS=off no attempt is refused and nothing is counted', async () => {
      const client = from(t, '198.51.100.9')
      await failTimes(client, 'bench', 5)
      assert.equal((await client.login('bench', PASSWORD)).statusCode, 303)
      const form = hiddenInputs((await client.get('/register')).body, '/register')
      for (let i = 0; i < 201; i++) {
        const response = await client.post('/register', {
          ...form,
          username: `b${i}`,
          password: '',
        })
        assert.equal(response.statusCode, 400)
      }
      assert.deepEqual(await t.db.query('SELECT * FROM attempt_limits'), [])
    })
  })
}
