import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { PASSKEY_SIGN_IN_STARTS } from '../../src/auth/passkey-management.js'
import { PASSKEYS_PER_ACCOUNT } from '../../src/auth/passkeys.js'
import { disableAccount } from '../../src/auth/account-admin.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { listedEvents, showsMessage, signedInAs } from '../helpers/pages.js'
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { enableTwoFactor } from '../helpers/two-factor.js'

// The passkey addresses through the real app, with a software authenticator: adding
// a passkey, signing in with it, renaming and removing it; and every way a ceremony
// can be wrong, each with an otherwise valid payload, answered 400, 401 or 413 (never
// 5xx) with nothing changed but the spent challenge.

const PASSWORD = 'correct horse battery staple'
const CHALLENGE_COOKIE = 'passkey-challenge'

interface Options {
  challenge: string
  user: { id: string }
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!

for (const engine of engines) {
  describe(`passkeys over HTTP (${engine})`, { timeout: 120_000 }, () => {
    let t: TestApp
    let n = 0

    before(async () => {
      t = await startTestApp(engine, { env: { PUBLIC_ORIGIN: 'http://localhost:3000' } })
    })
    after(() => t.close())
    beforeEach(async () => {
      await t.db.query('DELETE FROM attempt_limits')
    })

    const authenticator = () => new SoftwareAuthenticator(t.config.relyingParty)

    async function signedIn(): Promise<{ client: TestClient; name: string }> {
      const name = `user${++n}`
      const client = new TestClient(t.app, {
        'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/130.0.0.0 Safari/537.36',
      })
      assert.equal((await client.register(name, PASSWORD)).statusCode, 303)
      return { client, name }
    }

    async function token(client: TestClient, page = '/account'): Promise<string> {
      return csrfOf((await client.get(page)).body)
    }

    async function addOptions(client: TestClient): Promise<{ options: Options; _csrf: string }> {
      const _csrf = await token(client)
      const response = await client.postJson('/account/passkeys/options', { _csrf })
      assert.equal(response.statusCode, 200, response.body)
      return { options: (response.json() as { options: Options }).options, _csrf }
    }

    async function addPasskey(client: TestClient, key = authenticator()) {
      const { options, _csrf } = await addOptions(client)
      const response = await client.postJson('/account/passkeys', {
        _csrf,
        response: key.register(options),
      })
      assert.equal(response.statusCode, 200, response.body)
      assert.deepEqual(response.json(), { redirect: '/account?passkey=added' })
      return key
    }

    async function signInOptions(client: TestClient) {
      const _csrf = await token(client, '/login')
      const response = await client.postJson('/passkeys/sign-in/options', { _csrf })
      assert.equal(response.statusCode, 200, response.body)
      return { options: (response.json() as { options: Options }).options, _csrf }
    }

    const count = async (sql: string, params: unknown[] = []) =>
      Number(
        (await t.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params))[0]!.n,
      )

    /** What a refused ceremony must leave as it was. */
    async function snapshot() {
      return {
        sessions: await count('sessions'),
        passkeys: await t.db.query(
          'SELECT id, counter, last_used_at, name FROM passkeys ORDER BY id',
        ),
        events: await count('auth_events'),
      }
    }

    test('a signed-in user adds a passkey: named after the device, listed, other sessions ended', async () => {
      const { client, name } = await signedIn()
      const laptop = new TestClient(t.app)
      await laptop.login(name, PASSWORD)
      const key = await addPasskey(client)
      const [row] = await t.db.query<{ id: string; name: string; counter: number }>(
        'SELECT id, name, counter FROM passkeys',
      )
      assert.equal(row?.id, key.id)
      assert.equal(row?.name, 'Chrome on Linux')
      assert.equal(await count('webauthn_challenges'), 0, 'the challenge was spent')
      const page = await client.get('/account?passkey=added')
      assert.ok(showsMessage(page.body, 'account.passkeyAddedNotice'))
      assert.match(page.body, new RegExp(`data-passkey-id="${key.id}"`))
      assert.ok(listedEvents(page.body).includes('passkey_added'))
      assert.equal((await laptop.get('/account')).statusCode, 303, 'the other session has ended')
      await t.db.query('DELETE FROM passkeys')
    })

    test('with the second factor on, a passkey signs in at once; the password still leads to the code', async () => {
      const { client, name } = await signedIn()
      const key = await addPasskey(client)
      await enableTwoFactor(client, t.clock)
      const browser = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(browser)
      const response = await browser.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
      })
      assert.equal(response.statusCode, 200, response.body)
      assert.equal(browser.jar.has('sign-in-step'), false, 'no second step')
      assert.equal(signedInAs((await browser.get('/')).body), name)
      const withPassword = await new TestClient(t.app).login(name, PASSWORD)
      assert.equal(withPassword.headers.location, '/login/two-factor')
      await t.db.query('DELETE FROM passkeys')
    })

    test('a passkey of a disabled account signs no one in, and says the account is disabled', async () => {
      const { client, name } = await signedIn()
      const key = await addPasskey(client)
      const disabled = await disableAccount(
        { db: t.db, policy: t.config.session, now: t.clock.now() },
        name,
      )
      assert.ok(disabled.ok)
      const browser = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(browser)
      const response = await browser.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
      })
      assert.equal(response.statusCode, 403, response.body)
      assert.equal(response.json<{ error: string }>().error, 'account_disabled')
      assert.equal(signedInAs((await browser.get('/')).body), null)
      await t.db.query('DELETE FROM passkeys')
    })

    test('past REAUTH_MAX_AGE adding a passkey answers 401 naming the confirmation, and adds nothing', async () => {
      const { client } = await signedIn()
      const key = authenticator()
      const { options, _csrf } = await addOptions(client) // begun while recent
      t.clock.advanceSeconds(t.config.session.reauthMaxAgeSeconds + 1)
      const reauthenticate = {
        error: 'reauthenticate',
        redirect: '/account/confirm?next=%2Faccount',
      }
      const begin = await client.postJson('/account/passkeys/options', { _csrf })
      assert.equal(begin.statusCode, 401)
      assert.deepEqual(begin.json(), reauthenticate)
      const finish = await client.postJson('/account/passkeys', {
        _csrf,
        response: key.register(options),
      })
      assert.equal(finish.statusCode, 401)
      assert.deepEqual(finish.json(), reauthenticate)
      assert.equal(await count('passkeys'), 0)
    })

    test('a sign-in assertion without a user handle is refused (WebAuthn §7.2 step 6)', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const { options, _csrf } = await signInOptions(client)
      const assertion = key.assert(options) as { response: Record<string, unknown> }
      delete assertion.response.userHandle
      const before = await count('sessions')
      const response = await client.postJson('/passkeys/sign-in', { _csrf, response: assertion })
      assert.equal(response.statusCode, 401)
      assert.equal(await count('sessions'), before, 'no session')
      await t.db.query('DELETE FROM passkeys')
    })

    test('an account holds at most 20 passkeys', async () => {
      const { client } = await signedIn()
      for (let i = 0; i < PASSKEYS_PER_ACCOUNT; i++) await addPasskey(client)
      const { options, _csrf } = await addOptions(client)
      const response = await client.postJson('/account/passkeys', {
        _csrf,
        response: authenticator().register(options),
      })
      assert.equal(response.statusCode, 401)
      assert.equal(await count('passkeys'), PASSKEYS_PER_ACCOUNT)
      await t.db.query('DELETE FROM passkeys')
    })

    test('a passkey signs in: a new session (the old one ended), one event, next honoured', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const before = client.jar.get('session')
      const { options, _csrf } = await signInOptions(client)
      assert.deepEqual(options.user, undefined)
      const response = await client.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
        next: '/account',
        remember: true,
      })
      assert.equal(response.statusCode, 200, response.body)
      assert.deepEqual(response.json(), { redirect: '/account' })
      assert.notEqual(client.jar.get('session'), before, 'a new session cookie')
      assert.equal(client.jar.has(CHALLENGE_COOKIE), false, 'the challenge cookie is gone')
      const old = before!.split('.')[0]!
      assert.equal(await count('sessions WHERE id = $1', [old]), 0, 'the session it replaced ended')
      const page = await client.get('/account')
      assert.equal(page.statusCode, 200)
      const events = listedEvents(page.body)
      assert.deepEqual(events.slice(0, 2), ['signed_in', 'passkey_added'], 'one sign-in, one line')
      const [row] = await t.db.query<{ counter: number; last_used_at: Date | null }>(
        'SELECT counter, last_used_at FROM passkeys',
      )
      assert.equal(row?.counter, 1)
      assert.ok(row?.last_used_at)

      const again = await signInOptions(client)
      const offsite = await client.postJson('/passkeys/sign-in', {
        _csrf: again._csrf,
        response: key.assert(again.options),
        next: '//evil.example/',
      })
      assert.deepEqual(offsite.json(), { redirect: '/' }, 'a next that is no local path lands on /')
      await t.db.query('DELETE FROM passkeys')
    })

    test('a replayed assertion (the same challenge twice) is refused', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const signingIn = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(signingIn)
      const challengeId = signingIn.jar.get(CHALLENGE_COOKIE)!
      const assertion = key.assert(options)
      assert.equal(
        (await signingIn.postJson('/passkeys/sign-in', { _csrf, response: assertion })).statusCode,
        200,
      )
      const state = await snapshot()
      const replay = new TestClient(t.app)
      const csrf = await token(replay, '/login')
      replay.jar.set(CHALLENGE_COOKIE, challengeId)
      const response = await replay.postJson('/passkeys/sign-in', {
        _csrf: csrf,
        response: assertion,
      })
      assert.equal(response.statusCode, 401)
      assert.equal((response.json() as { error: string }).error, 'passkey_refused')
      assert.deepEqual(await snapshot(), state)
      await t.db.query('DELETE FROM passkeys')
    })

    test('an assertion of another challenge, another origin, another RP ID or without UV is refused', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const cases = [
        { challenge: Buffer.from('not the challenge it was given').toString('base64url') },
        { origin: 'http://evil.example:3000' },
        { rpId: 'evil.example' },
        { withoutUserVerification: true },
        { type: 'webauthn.create' },
      ]
      for (const tamper of cases) {
        const signingIn = new TestClient(t.app)
        const { options, _csrf } = await signInOptions(signingIn)
        const state = await snapshot()
        const response = await signingIn.postJson('/passkeys/sign-in', {
          _csrf,
          response: key.assert(options, tamper),
        })
        assert.equal(response.statusCode, 401, JSON.stringify(tamper))
        assert.equal(signingIn.jar.has('session'), false)
        assert.deepEqual(await snapshot(), state, JSON.stringify(tamper))
      }
      // A wrong challenge matches no row: the right one is still there, unspent.
      const signingIn = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(signingIn)
      const challengeId = signingIn.jar.get(CHALLENGE_COOKIE)!
      await signingIn.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options, { challenge: Buffer.from('other').toString('base64url') }),
      })
      assert.equal(await count('webauthn_challenges WHERE id = $1', [challengeId]), 1)
      // …and the same assertion, made right, then signs in with it.
      signingIn.jar.set(CHALLENGE_COOKIE, challengeId)
      const right = await signingIn.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
      })
      assert.equal(right.statusCode, 200)
      await t.db.query('DELETE FROM passkeys')
    })

    test('an expired challenge is refused', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const signingIn = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(signingIn)
      t.clock.advanceSeconds(5 * 60 + 1)
      const state = await snapshot()
      const response = await signingIn.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
      })
      assert.equal(response.statusCode, 401)
      assert.deepEqual(await snapshot(), state)
      await t.db.query('DELETE FROM passkeys')
    })

    test('a signature counter that goes backwards is refused and recorded', async () => {
      const { client, name } = await signedIn()
      const key = await addPasskey(client)
      key.counter = 10
      const first = new TestClient(t.app)
      const one = await signInOptions(first)
      assert.equal(
        (
          await first.postJson('/passkeys/sign-in', {
            _csrf: one._csrf,
            response: key.assert(one.options),
          })
        ).statusCode,
        200,
      )
      const second = new TestClient(t.app)
      const two = await signInOptions(second)
      const response = await second.postJson('/passkeys/sign-in', {
        _csrf: two._csrf,
        response: key.assert(two.options, { counter: 5 }),
      })
      assert.equal(response.statusCode, 401)
      assert.equal(second.jar.has('session'), false)
      const [row] = await t.db.query<{ counter: number }>('SELECT counter FROM passkeys')
      assert.equal(row?.counter, 11, 'the counter stays where it was')
      const events = await t.db.query<{ kind: string }>(
        `SELECT kind FROM auth_events e JOIN users u ON u.id = e.user_id
          WHERE u.username = $1 ORDER BY e.id DESC LIMIT 1`,
        [name],
      )
      assert.equal(events[0]?.kind, 'passkey_counter_regressed')
      await t.db.query('DELETE FROM passkeys')
    })

    test('malformed bodies, no challenge, wrong content types and huge bodies: 400, 401, 413, 415', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const state = await snapshot()
      const _csrf = await token(client)
      const valid = key.assert({ challenge: 'AAAA' })
      const bodies: unknown[] = [
        {},
        { response: null },
        { response: 'a string' },
        { response: { ...valid, type: 'other' } },
        { response: { ...valid, id: 'not base64url!' } },
        { response: { ...valid, response: { clientDataJSON: 'AAAA' } } },
        {
          response: {
            ...valid,
            response: {
              ...(valid.response as object),
              clientDataJSON: Buffer.from('not json').toString('base64url'),
            },
          },
        },
        { response: valid, remember: 'yes' },
        { response: valid, next: 'x'.repeat(5000) },
      ]
      for (const url of ['/passkeys/sign-in', '/account/passkeys']) {
        for (const body of bodies) {
          await client.postJson(
            url === '/account/passkeys' ? '/account/passkeys/options' : '/passkeys/sign-in/options',
            { _csrf },
          )
          const response = await client.postJson(url, { _csrf, ...(body as object) })
          assert.equal(
            response.statusCode,
            400,
            `${url} ${JSON.stringify(body).slice(0, 80)}: ${response.body.slice(0, 100)}`,
          )
        }
      }
      // No challenge cookie: refused before anything is looked up.
      client.jar.delete(CHALLENGE_COOKIE)
      const noChallenge = await client.postJson('/passkeys/sign-in', { _csrf, response: valid })
      assert.equal(noChallenge.statusCode, 401)
      for (const url of [
        '/passkeys/sign-in/options',
        '/passkeys/sign-in',
        '/account/passkeys/options',
        '/account/passkeys',
      ]) {
        const huge = await client.postJson(url, { _csrf, response: 'x'.repeat(20_000) })
        assert.equal(huge.statusCode, 413, url)
        const form = await client.post(url, { _csrf, response: '{}' })
        assert.equal(form.statusCode, 400, `${url} as a form`)
        const text = await client.postJson(url, JSON.stringify({ _csrf }), {
          'content-type': 'text/plain',
        })
        assert.equal(text.statusCode, 400, `${url} as text`)
        const xml = await client.postJson(url, '<a/>', { 'content-type': 'application/xml' })
        assert.equal(xml.statusCode, 415, `${url} as XML`)
        const broken = await client.postJson(url, '{"_csrf":', {})
        assert.equal(broken.statusCode, 400, `${url} broken JSON`)
        const noToken = await client.postJson(url, {})
        assert.equal(noToken.statusCode, 403, `${url} without the token`)
        const crossSite = await client.postJson(url, { _csrf }, { origin: 'http://evil.example' })
        assert.equal(crossSite.statusCode, 403, `${url} cross-site`)
      }
      assert.deepEqual(await snapshot(), state)
      await t.db.query('DELETE FROM passkeys')
    })

    test('adding: a challenge of another session, of a sign-in, a wrong origin or a known passkey is refused', async () => {
      const { client, name } = await signedIn()
      const other = new TestClient(t.app)
      await other.login(name, PASSWORD)
      const key = authenticator()
      // Options for one session, the answer from another session of the same account.
      const { options } = await addOptions(client)
      other.jar.set(CHALLENGE_COOKIE, client.jar.get(CHALLENGE_COOKIE)!)
      const fromOther = await other.postJson('/account/passkeys', {
        _csrf: await token(other),
        response: key.register(options),
      })
      assert.equal(fromOther.statusCode, 401)
      // A sign-in challenge does not add a passkey.
      const signIn = await signInOptions(client)
      const _csrf = await token(client)
      const withSignIn = await client.postJson('/account/passkeys', {
        _csrf,
        response: key.register({ challenge: signIn.options.challenge, user: options.user }),
      })
      assert.equal(withSignIn.statusCode, 401)
      // Another origin in clientDataJSON.
      const wrongOrigin = await addOptions(client)
      const refused = await client.postJson('/account/passkeys', {
        _csrf: wrongOrigin._csrf,
        response: key.register(wrongOrigin.options, { origin: 'https://evil.example' }),
      })
      assert.equal(refused.statusCode, 401)
      assert.equal(await count('passkeys'), 0)
      assert.equal(
        await count('sessions WHERE user_id = (SELECT id FROM users WHERE username = $1)', [name]),
        2,
        'no session ended',
      )
      // The same authenticator twice: the second is refused.
      await addPasskey(client, key)
      const again = await addOptions(client)
      const duplicate = await client.postJson('/account/passkeys', {
        _csrf: again._csrf,
        response: key.register(again.options),
      })
      assert.equal(duplicate.statusCode, 401)
      assert.equal(await count('passkeys'), 1)
      await t.db.query('DELETE FROM passkeys')
    })

    test('signed out, the account endpoints answer 401 in JSON', async () => {
      const client = new TestClient(t.app)
      const _csrf = await token(client, '/login')
      for (const url of ['/account/passkeys/options', '/account/passkeys']) {
        const response = await client.postJson(url, { _csrf, response: {} })
        assert.equal(response.statusCode, 401, url)
        assert.deepEqual(response.json(), { error: 'signed_out' })
      }
    })

    test('a name is renamed (trimmed, 1 to 64 characters), only on its own account', async () => {
      const { client } = await signedIn()
      const key = await addPasskey(client)
      const page = await client.get('/account')
      const fields = hiddenInputs(page.body, '/account/passkeys/rename')
      const renamed = await client.post('/account/passkeys/rename', {
        ...fields,
        name: '  Work laptop  ',
      })
      assert.equal(renamed.statusCode, 303)
      assert.equal(renamed.headers.location, '/account?passkey=renamed')
      const names = async () =>
        (await t.db.query<{ name: string }>('SELECT name FROM passkeys'))[0]?.name
      assert.equal(await names(), 'Work laptop')
      for (const name of ['', '   ', 'x'.repeat(65)]) {
        const response = await client.post('/account/passkeys/rename', { ...fields, name })
        assert.equal(response.statusCode, 400)
        assert.ok(showsMessage(response.body, 'error.passkey_name'))
      }
      assert.equal(await names(), 'Work laptop')
      const { client: stranger } = await signedIn()
      const strangerPage = await stranger.get('/account')
      const theirs = await stranger.post('/account/passkeys/rename', {
        _csrf: csrfOf(strangerPage.body),
        passkey: key.id,
        name: 'mine now',
      })
      assert.equal(theirs.statusCode, 303)
      assert.equal(theirs.headers.location, '/account')
      assert.equal(await names(), 'Work laptop')
      await t.db.query('DELETE FROM passkeys')
    })

    test('removing a passkey ends the other sessions, and it signs in no more', async () => {
      const { client, name } = await signedIn()
      const key = await addPasskey(client)
      const laptop = new TestClient(t.app)
      await laptop.login(name, PASSWORD)
      const { client: stranger } = await signedIn()
      const strangers = await stranger.post('/account/passkeys/remove', {
        _csrf: await token(stranger),
        passkey: key.id,
      })
      assert.equal(strangers.headers.location, '/account', "another account's passkey is untouched")
      assert.equal(await count('passkeys'), 1)
      const page = await client.get('/account')
      const removed = await client.post(
        '/account/passkeys/remove',
        hiddenInputs(page.body, '/account/passkeys/remove'),
      )
      assert.equal(removed.statusCode, 303)
      assert.equal(removed.headers.location, '/account?passkey=removed')
      assert.equal(await count('passkeys'), 0)
      assert.equal((await laptop.get('/account')).statusCode, 303, 'the other session has ended')
      const after = await client.get('/account?passkey=removed')
      assert.ok(showsMessage(after.body, 'account.passkeyRemovedNotice'))
      assert.ok(listedEvents(after.body).includes('passkey_removed'))
      const signingIn = new TestClient(t.app)
      const { options, _csrf } = await signInOptions(signingIn)
      const refused = await signingIn.postJson('/passkeys/sign-in', {
        _csrf,
        response: key.assert(options),
      })
      assert.equal(refused.statusCode, 401)
    })

    test(`one address begins at most ${PASSKEY_SIGN_IN_STARTS.limit} sign-in ceremonies a minute`, async () => {
      const client = new TestClient(t.app)
      const _csrf = await token(client, '/login')
      const before = await count('webauthn_challenges')
      for (let i = 0; i < PASSKEY_SIGN_IN_STARTS.limit; i++) {
        assert.equal(
          (await client.postJson('/passkeys/sign-in/options', { _csrf })).statusCode,
          200,
        )
      }
      const refused = await client.postJson('/passkeys/sign-in/options', { _csrf })
      assert.equal(refused.statusCode, 429)
      assert.ok(Number(refused.headers['retry-after']) > 0)
      assert.equal(await count('webauthn_challenges'), before + PASSKEY_SIGN_IN_STARTS.limit)
      t.clock.advanceSeconds(61)
      assert.equal((await client.postJson('/passkeys/sign-in/options', { _csrf })).statusCode, 200)
    })

    test('without script the login page still signs in with a password; the passkey parts start hidden', async () => {
      const client = new TestClient(t.app)
      const page = await client.get('/login')
      assert.match(page.body, /<div id="passkey-sign-in"[^>]* hidden/)
      assert.match(page.body, /autocomplete="username webauthn"/)
      assert.doesNotMatch(page.body, /<script>|<script [^>]*>[^<]/, 'no inline script')
      assert.doesNotMatch(page.body, / on[a-z]+="/, 'no inline event handlers')
      const { name } = await signedIn()
      assert.equal((await client.login(name, PASSWORD)).statusCode, 303)
      const csp = String(page.headers['content-security-policy'])
      assert.match(csp, /script-src 'self'/)
      assert.doesNotMatch(csp, /unsafe-inline/)
    })
  })
}
