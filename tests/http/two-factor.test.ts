import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SECOND_FACTOR_MAX_FAILURES } from '../../src/auth/second-factor-limit.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { fieldError, message, signedInAs } from '../helpers/pages.js'
import { eventKindsOf, sessionsOf } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { codeAt, enableTwoFactor, recoveryCodesOf, setupSecretOf } from '../helpers/two-factor.js'

const PASSWORD = 'a long and uncommon passphrase'

/** Signs in with the password; the answer that sends the browser to the second step. */
async function firstStep(client: TestClient, name: string, extra: Record<string, string> = {}) {
  const url = extra.next ? `/login?next=${encodeURIComponent(extra.next)}` : '/login'
  return client.submit(url, '/login', { username: name, password: PASSWORD, ...extra })
}

function secondStep(client: TestClient, code: string) {
  return client.submit('/login/two-factor', '/login/two-factor', { code })
}

for (const engine of engines) {
  describe(`the second factor (${engine})`, () => {
    let t: TestApp
    let n = 0
    const newName = () => `tf${++n}`
    before(async () => {
      t = await startTestApp(engine)
    })
    after(() => t.close())

    /** A new account with the factor on, signed in on `owner`. */
    async function accountWithFactor() {
      const name = newName()
      const owner = new TestClient(t.app)
      await owner.register(name, PASSWORD)
      const factor = await enableTwoFactor(owner, t.clock)
      return { name, owner, ...factor }
    }

    test('the setup page shows an otpauth URI, a QR code drawn on the server and the key', async () => {
      const client = new TestClient(t.app)
      await client.register(newName(), PASSWORD)
      const page = await client.get('/account/two-factor')
      assert.equal(page.statusCode, 200)
      assert.match(
        page.body,
        /href="otpauth:\/\/totp\/Logon:tf\d+\?secret=[A-Z2-7]{32}&amp;issuer=Logon&amp;algorithm=SHA1&amp;digits=6&amp;period=30"/,
      )
      assert.match(page.body, /<img class="qr-code" src="data:image\/svg\+xml;base64,/)
      assert.equal(setupSecretOf(page.body).length, 20)
      assert.equal(page.headers['cache-control'], 'no-store')
    })

    test('a wrong first code keeps it off and shows the same key again; a right one turns it on with 10 codes', async () => {
      const client = new TestClient(t.app)
      await client.register(newName(), PASSWORD)
      const page = await client.get('/account/two-factor')
      const secret = setupSecretOf(page.body)
      const hidden = hiddenInputs(page.body, '/account/two-factor')
      const wrong = await client.post('/account/two-factor', {
        ...hidden,
        code: '000000' === codeAt(secret, t.clock.now()) ? '111111' : '000000',
      })
      assert.equal(wrong.statusCode, 401)
      assert.deepEqual(setupSecretOf(wrong.body), secret, 'the same key')
      assert.equal(fieldError(wrong.body, 'code'), message('error.code_wrong'))
      const malformed = await client.post('/account/two-factor', { ...hidden, code: 'abc' })
      assert.equal(malformed.statusCode, 400)
      const right = await client.post('/account/two-factor', {
        ...hidden,
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(right.statusCode, 200)
      const codes = recoveryCodesOf(right.body)
      assert.equal(codes.length, 10)
      assert.equal(new Set(codes).size, 10)
      for (const code of codes) assert.match(code, /^[A-Z2-7]{6}(-[A-Z2-7]{6}){3}$/)
      const account = (await client.get('/account')).body
      assert.ok(account.includes('id="account-two-factor-status">' + message('twoFactor.isOn')))
    })

    test('a setup page that was replaced by a newer one does not turn on', async () => {
      const client = new TestClient(t.app)
      await client.register(newName(), PASSWORD)
      const first = await client.get('/account/two-factor')
      const secret = setupSecretOf(first.body)
      await client.get('/account/two-factor') // another tab: a new key
      const stale = await client.post('/account/two-factor', {
        ...hiddenInputs(first.body, '/account/two-factor'),
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(stale.statusCode, 409)
      assert.notDeepEqual(setupSecretOf(stale.body), secret)
    })

    test('turning it on ends the other sessions (made before it was on); this one stays', async () => {
      const name = newName()
      const laptop = new TestClient(t.app)
      await laptop.register(name, PASSWORD)
      const phone = new TestClient(t.app)
      await phone.login(name, PASSWORD)
      assert.equal(signedInAs((await phone.get('/')).body), name)
      await enableTwoFactor(laptop, t.clock)
      assert.equal(signedInAs((await phone.get('/')).body), null, 'the older session is gone')
      assert.equal(signedInAs((await laptop.get('/')).body), name)
      assert.equal((await sessionsOf(t.db, name)).length, 1)
      assert.ok((await eventKindsOf(t.db, name)).includes('two_factor_enabled'))
    })

    test('a right password leads to /login/two-factor, signed out; the pending step opens no page', async () => {
      const { name } = await accountWithFactor()
      const client = new TestClient(t.app)
      const first = await firstStep(client, name, { next: '/account' })
      assert.equal(first.statusCode, 303)
      assert.equal(first.headers.location, '/login/two-factor')
      assert.equal(client.jar.get('session'), undefined, 'no session cookie')
      assert.ok(client.jar.get('sign-in-step'))
      assert.equal(signedInAs((await client.get('/')).body), null)
      const account = await client.get('/account')
      assert.equal(account.statusCode, 303)
      assert.equal((await client.get('/account/two-factor')).statusCode, 303)
      assert.equal((await sessionsOf(t.db, name)).length, 1, 'only the owner’s session')
      const form = await client.get('/login/two-factor')
      assert.equal(form.statusCode, 200, 'the step survives what it does not serve')
    })

    test('a right code signs in and goes to next; the same code, or an older one, is refused after', async () => {
      const { name, secret } = await accountWithFactor()
      const client = new TestClient(t.app)
      await firstStep(client, name, { next: '/account' })
      const code = codeAt(secret, t.clock.now())
      const done = await secondStep(client, code)
      assert.equal(done.statusCode, 303)
      assert.equal(done.headers.location, '/account')
      assert.equal(signedInAs((await client.get('/')).body), name)
      assert.ok(!client.jar.get('sign-in-step'), 'the step cookie is gone')
      const other = new TestClient(t.app)
      await firstStep(other, name)
      const replay = await secondStep(other, code)
      assert.equal(replay.statusCode, 401, 'the same code')
      assert.equal(fieldError(replay.body, 'code'), message('error.code_wrong'))
      const older = await secondStep(other, codeAt(secret, t.clock.now(), -1))
      assert.equal(older.statusCode, 401, 'an older code')
      assert.equal(signedInAs((await other.get('/')).body), null)
    })

    test('one step of drift either way is accepted, two are not (server clock)', async () => {
      const { name, secret } = await accountWithFactor()
      const late = new TestClient(t.app)
      await firstStep(late, name)
      assert.equal((await secondStep(late, codeAt(secret, t.clock.now(), 2))).statusCode, 401)
      assert.equal((await secondStep(late, codeAt(secret, t.clock.now(), -2))).statusCode, 401)
      assert.equal((await secondStep(late, codeAt(secret, t.clock.now(), 1))).statusCode, 303)
      t.clock.advanceSeconds(90) // past the step the +1 code spent
      const early = new TestClient(t.app)
      await firstStep(early, name)
      assert.equal((await secondStep(early, codeAt(secret, t.clock.now(), -1))).statusCode, 303)
    })

    test('more than 5 wrong codes in 15 minutes: 429 with Retry-After, even for the right code, then it opens', async () => {
      const { name, secret } = await accountWithFactor()
      const client = new TestClient(t.app)
      await firstStep(client, name)
      const stepForm = await client.get('/login/two-factor')
      const right = () => codeAt(secret, t.clock.now())
      const wrong = () => (right() === '123456' ? '654321' : '123456')
      for (let i = 0; i < SECOND_FACTOR_MAX_FAILURES; i++) {
        assert.equal((await secondStep(client, wrong())).statusCode, 401)
      }
      const refused = await secondStep(client, right())
      assert.equal(refused.statusCode, 429)
      assert.equal(refused.headers['retry-after'], String(15 * 60))
      // Another browser with the password is refused too: the count is the account's.
      const other = new TestClient(t.app)
      await firstStep(other, name)
      assert.equal((await secondStep(other, right())).statusCode, 429)
      assert.equal(signedInAs((await client.get('/')).body), null)
      t.clock.advanceSeconds(15 * 60)
      // The pending steps expired meanwhile: start again.
      const late = await client.post('/login/two-factor', {
        ...hiddenInputs(stepForm.body, '/login/two-factor'),
        code: right(),
      })
      assert.equal(late.statusCode, 401)
      assert.ok(late.body.includes(message('loginTwoFactor.expired')))
      await firstStep(client, name)
      assert.equal((await secondStep(client, right())).statusCode, 303)
      const kinds = await eventKindsOf(t.db, name)
      assert.equal(
        kinds.filter((kind) => kind === 'two_factor_failed').length,
        SECOND_FACTOR_MAX_FAILURES,
      )
    })

    test('30 codes at once from 30 browsers: exactly 5 are checked, the rest wait (one statement counts)', async () => {
      const { name } = await accountWithFactor()
      const clients = Array.from({ length: 30 }, () => new TestClient(t.app))
      for (const client of clients) await firstStep(client, name)
      const answers = await Promise.all(clients.map((client) => secondStep(client, '000001')))
      const statuses = answers.map((answer) => answer.statusCode)
      assert.equal(
        statuses.filter((s) => s === 401).length,
        SECOND_FACTOR_MAX_FAILURES,
        statuses.join(),
      )
      assert.equal(statuses.filter((s) => s === 429).length, 30 - SECOND_FACTOR_MAX_FAILURES)
    })

    test('the pending step expires after 5 minutes and is spent by one sign-in', async () => {
      const { name, secret } = await accountWithFactor()
      const slow = new TestClient(t.app)
      await firstStep(slow, name)
      const slowForm = await slow.get('/login/two-factor')
      t.clock.advanceSeconds(5 * 60 + 1)
      const expired = await slow.post('/login/two-factor', {
        ...hiddenInputs(slowForm.body, '/login/two-factor'),
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(expired.statusCode, 401)
      assert.ok(expired.body.includes(message('loginTwoFactor.expired')))
      assert.equal((await slow.get('/login/two-factor')).statusCode, 303)
      assert.equal(signedInAs((await slow.get('/')).body), null)
      // Two requests with one step's cookie: one session at most.
      const twice = new TestClient(t.app)
      await firstStep(twice, name)
      const form = await twice.get('/login/two-factor')
      const hidden = hiddenInputs(form.body, '/login/two-factor')
      const code = codeAt(secret, t.clock.now())
      const [a, b] = await Promise.all([
        twice.post('/login/two-factor', { ...hidden, code }),
        twice.post('/login/two-factor', { ...hidden, code }),
      ])
      assert.deepEqual([a.statusCode, b.statusCode].sort(), [303, 401])
    })

    test('a recovery code signs in once, in any case and spacing, and ends the other sessions', async () => {
      const { name, owner, recoveryCodes } = await accountWithFactor()
      const code = recoveryCodes[0]!
      const lost = new TestClient(t.app)
      await firstStep(lost, name)
      const typed = code.toLowerCase().replace(/-/g, ' ')
      assert.equal((await secondStep(lost, typed)).statusCode, 303)
      assert.equal(signedInAs((await lost.get('/')).body), name)
      assert.equal(signedInAs((await owner.get('/')).body), null, 'the other session ended')
      const again = new TestClient(t.app)
      await firstStep(again, name)
      assert.equal((await secondStep(again, code)).statusCode, 401, 'spent')
      assert.ok((await eventKindsOf(t.db, name)).includes('recovery_code_used'))
      const left = (await lost.get('/account')).body
      assert.ok(left.includes(message('twoFactor.recoveryLeft', { count: 9 })))
    })

    test('new recovery codes replace the old ones', async () => {
      const { name, owner, recoveryCodes } = await accountWithFactor()
      const renewed = await owner.submit(
        '/account/two-factor',
        '/account/two-factor/recovery-codes',
        {},
      )
      assert.equal(renewed.statusCode, 200)
      const fresh = recoveryCodesOf(renewed.body)
      assert.equal(fresh.length, 10)
      const client = new TestClient(t.app)
      await firstStep(client, name)
      assert.equal((await secondStep(client, recoveryCodes[1]!)).statusCode, 401, 'an old one')
      assert.equal((await secondStep(client, fresh[0]!)).statusCode, 303, 'a new one')
    })

    test('turning it off takes the password and a code; then the password alone signs in', async () => {
      const { name, owner, secret } = await accountWithFactor()
      const disable = (fields: Record<string, string>) =>
        owner.submit('/account/two-factor', '/account/two-factor/disable', fields)
      const wrongPassword = await disable({
        password: 'not the password at all',
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(wrongPassword.statusCode, 401)
      const wrongCode = await disable({
        password: PASSWORD,
        code: '000000' === codeAt(secret, t.clock.now()) ? '111111' : '000000',
      })
      assert.equal(wrongCode.statusCode, 401)
      const off = await disable({ password: PASSWORD, code: codeAt(secret, t.clock.now()) })
      assert.equal(off.statusCode, 303)
      assert.equal(off.headers.location, '/account')
      const client = new TestClient(t.app)
      const login = await client.login(name, PASSWORD)
      assert.equal(login.statusCode, 303)
      assert.equal(login.headers.location, '/')
      assert.equal(signedInAs((await client.get('/')).body), name)
      assert.ok((await eventKindsOf(t.db, name)).includes('two_factor_disabled'))
    })

    test('bad input on every new form: wrong types, arrays, huge bodies give 400/413, never 5xx', async () => {
      const { name, owner } = await accountWithFactor()
      const client = new TestClient(t.app)
      await firstStep(client, name)
      const form = await client.get('/login/two-factor')
      const hidden = hiddenInputs(form.body, '/login/two-factor')
      assert.equal(
        (await client.post('/login/two-factor', { ...hidden, code: ['1', '2'] })).statusCode,
        400,
      )
      assert.equal((await client.post('/login/two-factor', { ...hidden })).statusCode, 400)
      assert.equal(
        (await client.post('/login/two-factor', { ...hidden, code: 'x'.repeat(70_000) }))
          .statusCode,
        413,
      )
      const page = await owner.get('/account/two-factor')
      const ownerHidden = hiddenInputs(page.body, '/account/two-factor/disable')
      assert.equal(
        (
          await owner.post('/account/two-factor/disable', {
            ...ownerHidden,
            code: ['1', '2'],
            password: PASSWORD,
          })
        ).statusCode,
        400,
      )
      assert.equal((await owner.post('/account/two-factor', { ...ownerHidden })).statusCode, 400)
      assert.equal(signedInAs((await client.get('/')).body), null)
      const account = (await owner.get('/account')).body
      assert.ok(account.includes(message('twoFactor.isOn')), 'still on')
    })
  })

  describe(`re-authentication (${engine})`, () => {
    let t: TestApp
    let n = 0
    const newName = () => `ra${++n}`
    before(async () => {
      t = await startTestApp(engine, {
        env: { REAUTH_MAX_AGE: '600', SESSION_IDLE_TIMEOUT: '7200' },
      })
    })
    after(() => t.close())

    test('past REAUTH_MAX_AGE the setup page sends to /account/confirm first, then back', async () => {
      const client = new TestClient(t.app)
      await client.register(newName(), PASSWORD)
      assert.equal((await client.get('/account/two-factor')).statusCode, 200, 'just signed in')
      t.clock.advanceSeconds(601)
      const page = await client.get('/account/two-factor')
      assert.equal(page.statusCode, 303)
      assert.equal(page.headers.location, '/account/confirm?next=%2Faccount%2Ftwo-factor')
      const wrong = await client.submit(page.headers.location, '/account/confirm', {
        confirm_password: 'not the password at all',
      })
      assert.equal(wrong.statusCode, 401)
      const confirmed = await client.submit(page.headers.location, '/account/confirm', {
        confirm_password: PASSWORD,
      })
      assert.equal(confirmed.statusCode, 303)
      assert.equal(confirmed.headers.location, '/account/two-factor')
      assert.equal((await client.get('/account/two-factor')).statusCode, 200)
    })

    test('signing out all others asks first, then goes on in the same request', async () => {
      const name = newName()
      const laptop = new TestClient(t.app)
      await laptop.register(name, PASSWORD)
      const phone = new TestClient(t.app)
      await phone.login(name, PASSWORD)
      t.clock.advanceSeconds(601)
      const asked = await laptop.submit('/account', '/account/sessions/revoke', {
        'all-others': '1',
      })
      assert.equal(asked.statusCode, 401)
      assert.match(asked.body, /name="confirm_password"/)
      assert.equal(signedInAs((await phone.get('/')).body), name, 'nothing ended yet')
      const hidden = hiddenInputs(asked.body, '/account/sessions/revoke')
      assert.equal(hidden['all-others'], '1')
      const done = await laptop.post('/account/sessions/revoke', {
        ...hidden,
        confirm_password: PASSWORD,
      })
      assert.equal(done.statusCode, 303)
      assert.equal(signedInAs((await phone.get('/')).body), null)
      assert.ok((await eventKindsOf(t.db, name)).includes('reauthenticated'))
    })

    test('with the factor on, a confirmation needs the code too; password change and deletion ask for it', async () => {
      const name = newName()
      const client = new TestClient(t.app)
      await client.register(name, PASSWORD)
      const { secret } = await enableTwoFactor(client, t.clock)
      t.clock.advanceSeconds(601)
      const confirmPage = await client.get('/account/confirm?next=%2Faccount')
      assert.match(confirmPage.body, /name="confirm_code"/)
      const noCode = await client.submit('/account/confirm?next=%2Faccount', '/account/confirm', {
        confirm_password: PASSWORD,
      })
      assert.equal(noCode.statusCode, 400)
      const account = await client.get('/account')
      assert.match(account.body, /name="code"/)
      assert.match(account.body, /name="delete_code"/)
      const change = await client.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: 'a third long uncommon passphrase',
      })
      assert.equal(change.statusCode, 400, 'no code: nothing changed')
      const withCode = await client.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: 'a third long uncommon passphrase',
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(withCode.statusCode, 303)
      assert.ok((await eventKindsOf(t.db, name)).includes('password_changed'))
    })
  })
}
