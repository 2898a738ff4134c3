import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import { PASSKEY_ACCOUNT_STARTS } from '../../src/auth/passkey-management.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { listedEvents } from '../helpers/pages.js'
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// "Confirm with a passkey" (sudo mode, docs/contract.md): past REAUTH_MAX_AGE, the
// confirmation offers it when the account has a passkey; the options and the answer
// are JSON, and once the answer verifies for this user and session, the session is
// recent and the confirmation form goes on without a password. Every way the answer
// can be wrong is refused (400, 401, 413) with the session left as it was.

const PASSWORD = 'correct horse battery staple'
const CHALLENGE_COOKIE = 'passkey-challenge'
const REAUTH_MAX_AGE_SECONDS = 600
const OPTIONS_URL = '/account/confirm/passkey/options'
const VERIFY_URL = '/account/confirm/passkey'

interface Options {
  challenge: string
  user: { id: string }
  allowCredentials?: { id: string }[]
  userVerification?: string
}

const csrfOf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)![1]!
const sessionIdOf = (client: TestClient) => client.jar.get('session')!.split('.')[0]!

for (const engine of engines) {
  describe(`confirming with a passkey (${engine})`, { timeout: 120_000 }, () => {
    let t: TestApp
    let n = 0

    before(async () => {
      t = await startTestApp(engine, { env: { PUBLIC_ORIGIN: 'http://localhost:3000' } })
    })
    after(() => t.close())
    beforeEach(async () => {
      await t.db.query('DELETE FROM attempt_limits')
    })

    async function signedIn(): Promise<{ client: TestClient; name: string }> {
      const name = `confirmer${++n}`
      const client = new TestClient(t.app)
      assert.equal((await client.register(name, PASSWORD)).statusCode, 303)
      return { client, name }
    }

    const token = async (client: TestClient, page = '/account') =>
      csrfOf((await client.get(page)).body)

    /** Adds a passkey while the sign-in is recent. */
    async function addPasskey(client: TestClient): Promise<SoftwareAuthenticator> {
      const key = new SoftwareAuthenticator(t.config.relyingParty)
      const _csrf = await token(client)
      const begun = await client.postJson('/account/passkeys/options', { _csrf })
      assert.equal(begun.statusCode, 200, begun.body)
      const { options } = begun.json() as { options: Options }
      const added = await client.postJson('/account/passkeys', {
        _csrf,
        response: key.register(options),
      })
      assert.equal(added.statusCode, 200, added.body)
      return key
    }

    /** A signed-in user with a passkey, whose sign-in is no longer recent. */
    async function staleWithPasskey() {
      const { client, name } = await signedIn()
      const key = await addPasskey(client)
      t.clock.advanceSeconds(REAUTH_MAX_AGE_SECONDS + 1)
      return { client, name, key }
    }

    async function confirmOptions(client: TestClient) {
      const _csrf = await token(client, '/account/confirm')
      const response = await client.postJson(OPTIONS_URL, { _csrf })
      assert.equal(response.statusCode, 200, response.body)
      return { options: (response.json() as { options: Options }).options, _csrf }
    }

    /** What the session and account hold that a refused confirmation must not change. */
    async function state(client: TestClient) {
      const [session] = await t.db.query<{ authenticated_at: Date | null }>(
        'SELECT authenticated_at FROM sessions WHERE id = $1',
        [sessionIdOf(client)],
      )
      const [events] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM auth_events
          WHERE kind = 'reauthenticated' AND user_id = (SELECT user_id FROM sessions WHERE id = $1)`,
        [sessionIdOf(client)],
      )
      return { authenticatedAt: session?.authenticated_at ?? null, reauthenticated: events?.n }
    }

    /** Whether the session may make a sensitive change now: revoking all others. */
    async function isRecent(client: TestClient): Promise<boolean> {
      const response = await client.post('/account/sessions/revoke', {
        _csrf: await token(client),
        'all-others': '1',
      })
      return response.statusCode === 303
    }

    test('the confirmation offers a passkey only when the account has one; the password form stays', async () => {
      const { client } = await signedIn()
      t.clock.advanceSeconds(REAUTH_MAX_AGE_SECONDS + 1)
      const without = await client.get('/account/confirm?next=%2Faccount')
      assert.equal(without.statusCode, 200)
      assert.doesNotMatch(without.body, /data-passkey="confirm"/)
      assert.doesNotMatch(without.body, /<script/, 'no script without a passkey')
      assert.match(without.body, /name="confirm_password"/)

      const stale = await staleWithPasskey()
      const page = await stale.client.get('/account/confirm?next=%2Faccount')
      assert.equal(page.statusCode, 200)
      assert.match(page.body, /<div id="passkey-confirm"[^>]* hidden/)
      assert.match(page.body, /data-form="\/account\/confirm"/)
      assert.match(page.body, new RegExp(`data-options-url="${OPTIONS_URL}"`))
      assert.match(page.body, new RegExp(`data-verify-url="${VERIFY_URL}"`))
      assert.match(page.body, /<script src="\/assets\/passkeys.js" defer><\/script>/)
      assert.match(page.body, /name="confirm_password"/, 'the password form is still there')
      assert.doesNotMatch(page.body, / on[a-z]+="/, 'no inline event handlers')
      // The in-place confirmation of a form's change offers it too, and posts to the
      // route's own path whatever the URL the change came to.
      const inPlace = await stale.client.post('/account/sessions/revoke?from=somewhere', {
        _csrf: await token(stale.client),
        'all-others': '1',
      })
      assert.equal(inPlace.statusCode, 401)
      assert.match(inPlace.body, /<form method="post" action="\/account\/sessions\/revoke"/)
      assert.match(inPlace.body, /data-form="\/account\/sessions\/revoke"/)
      assert.equal(hiddenInputs(inPlace.body, '/account/sessions/revoke')['all-others'], '1')
      await t.db.query('DELETE FROM passkeys')
    })

    test('options, then the answer: the session is recent, a change goes on without a password', async () => {
      const { client, name, key } = await staleWithPasskey()
      const laptop = new TestClient(t.app)
      await laptop.login(name, PASSWORD)
      t.clock.advanceSeconds(REAUTH_MAX_AGE_SECONDS + 1)
      // The form the script would submit, before the passkey: not yet.
      const early = await client.submit('/account/confirm?next=%2Faccount', '/account/confirm', {})
      assert.equal(early.statusCode, 400, 'no password and not recent')
      const { options, _csrf } = await confirmOptions(client)
      assert.deepEqual(
        options.allowCredentials?.map((c) => c.id),
        [key.id],
        "the account's passkeys",
      )
      assert.equal(options.userVerification, 'required')
      assert.ok(client.jar.has(CHALLENGE_COOKIE))
      const answer = await client.postJson(VERIFY_URL, { _csrf, response: key.assert(options) })
      assert.equal(answer.statusCode, 200, answer.body)
      assert.deepEqual(answer.json(), { ok: true })
      assert.equal(answer.headers['cache-control'], 'no-store')
      assert.equal(client.jar.has(CHALLENGE_COOKIE), false, 'the challenge cookie is gone')
      assert.ok((await state(client)).authenticatedAt, 'the session is marked')
      // The confirmation form, submitted without a password, goes on to `next`…
      const confirm = await client.submit(
        '/account/confirm?next=%2Faccount',
        '/account/confirm',
        {},
      )
      assert.equal(confirm.statusCode, 303)
      assert.equal(confirm.headers.location, '/account')
      // …and so does the change that asked, without a password.
      assert.equal(await isRecent(client), true)
      assert.equal((await laptop.get('/account')).statusCode, 303, 'the other session has ended')
      const events = listedEvents((await client.get('/account')).body)
      assert.ok(events.includes('reauthenticated'))
      const [row] = await t.db.query<{ counter: number }>(
        'SELECT counter FROM passkeys WHERE id = $1',
        [key.id],
      )
      assert.equal(row?.counter, 1, 'the counter moved')
      await t.db.query('DELETE FROM passkeys')
    })

    test("another account's passkey, a replay, an expired challenge, another purpose or session: 401, still not recent", async () => {
      const { client, name, key } = await staleWithPasskey()
      const stranger = await staleWithPasskey()
      const before = await state(client)
      const refusedWith = async (what: string, post: () => Promise<{ statusCode: number }>) => {
        const response = await post()
        assert.equal(response.statusCode, 401, what)
        assert.deepEqual(await state(client), before, what)
      }

      // A passkey of another account, for this session's challenge.
      const one = await confirmOptions(client)
      await refusedWith('another account', () =>
        client.postJson(VERIFY_URL, {
          _csrf: one._csrf,
          response: stranger.key.assert(one.options),
        }),
      )

      // The same assertion twice: the challenge was spent by the first (which, for the
      // other account's session, did confirm that one).
      const theirs = await confirmOptions(stranger.client)
      const challengeId = stranger.client.jar.get(CHALLENGE_COOKIE)!
      const assertion = stranger.key.assert(theirs.options)
      const first = await stranger.client.postJson(VERIFY_URL, {
        _csrf: theirs._csrf,
        response: assertion,
      })
      assert.equal(first.statusCode, 200)
      stranger.client.jar.set(CHALLENGE_COOKIE, challengeId)
      const replay = await stranger.client.postJson(VERIFY_URL, {
        _csrf: theirs._csrf,
        response: assertion,
      })
      assert.equal(replay.statusCode, 401, 'replayed')
      // …and this session's own answer, replayed after it confirmed nothing.
      const mine = await confirmOptions(client)
      const mineId = client.jar.get(CHALLENGE_COOKIE)!
      const wrongKey = stranger.key.assert(mine.options)
      await refusedWith('wrong key', () =>
        client.postJson(VERIFY_URL, { _csrf: mine._csrf, response: wrongKey }),
      )
      client.jar.set(CHALLENGE_COOKIE, mineId)
      await refusedWith('a spent challenge', () =>
        client.postJson(VERIFY_URL, { _csrf: mine._csrf, response: key.assert(mine.options) }),
      )

      // An expired challenge.
      const late = await confirmOptions(client)
      t.clock.advanceSeconds(5 * 60 + 1)
      await refusedWith('expired', () =>
        client.postJson(VERIFY_URL, { _csrf: late._csrf, response: key.assert(late.options) }),
      )

      // A sign-in challenge (another purpose), answered here.
      const _csrf = await token(client, '/account/confirm')
      const signIn = await client.postJson('/passkeys/sign-in/options', { _csrf })
      const { options: signInOptions } = signIn.json() as { options: Options }
      await refusedWith('a sign-in challenge', () =>
        client.postJson(VERIFY_URL, { _csrf, response: key.assert(signInOptions) }),
      )
      // A challenge of another session of the same account.
      const laptop = new TestClient(t.app)
      await laptop.login(name, PASSWORD)
      const elsewhere = await confirmOptions(laptop)
      client.jar.set(CHALLENGE_COOKIE, laptop.jar.get(CHALLENGE_COOKIE)!)
      await refusedWith('another session', () =>
        client.postJson(VERIFY_URL, { _csrf, response: key.assert(elsewhere.options) }),
      )
      // No challenge at all.
      client.jar.delete(CHALLENGE_COOKIE)
      await refusedWith('no challenge', () =>
        client.postJson(VERIFY_URL, { _csrf, response: key.assert(elsewhere.options) }),
      )
      assert.equal(await isRecent(client), false)
      await t.db.query('DELETE FROM passkeys')
    })

    test('a signature counter that goes back is refused and recorded; the session stays not recent', async () => {
      const { client, name, key } = await staleWithPasskey()
      key.counter = 10
      const one = await confirmOptions(client)
      assert.equal(
        (await client.postJson(VERIFY_URL, { _csrf: one._csrf, response: key.assert(one.options) }))
          .statusCode,
        200,
      )
      t.clock.advanceSeconds(REAUTH_MAX_AGE_SECONDS + 1)
      const before = await state(client)
      const two = await confirmOptions(client)
      const response = await client.postJson(VERIFY_URL, {
        _csrf: two._csrf,
        response: key.assert(two.options, { counter: 5 }),
      })
      assert.equal(response.statusCode, 401)
      assert.equal((response.json() as { error: string }).error, 'passkey_refused')
      assert.deepEqual(await state(client), before)
      const [row] = await t.db.query<{ counter: number }>(
        'SELECT counter FROM passkeys WHERE id = $1',
        [key.id],
      )
      assert.equal(row?.counter, 11, 'the counter stays where it was')
      const [last] = await t.db.query<{ kind: string }>(
        `SELECT kind FROM auth_events e JOIN users u ON u.id = e.user_id
          WHERE u.username = $1 ORDER BY e.id DESC LIMIT 1`,
        [name],
      )
      assert.equal(last?.kind, 'passkey_counter_regressed')
      assert.equal(await isRecent(client), false)
      await t.db.query('DELETE FROM passkeys')
    })

    test('malformed answers, broken JSON, forms, no token and huge bodies: 400, 403, 413; nothing changed', async () => {
      const { client, key } = await staleWithPasskey()
      const before = await state(client)
      const _csrf = await token(client, '/account/confirm')
      const valid = key.assert({ challenge: 'AAAA' })
      for (const body of [
        {},
        { response: null },
        { response: 'a string' },
        { response: { ...valid, type: 'other' } },
        { response: { ...valid, response: { clientDataJSON: 'AAAA' } } },
      ]) {
        await client.postJson(OPTIONS_URL, { _csrf })
        const response = await client.postJson(VERIFY_URL, { _csrf, ...body })
        assert.equal(response.statusCode, 400, JSON.stringify(body).slice(0, 80))
      }
      for (const url of [OPTIONS_URL, VERIFY_URL]) {
        const huge = await client.postJson(url, { _csrf, response: 'x'.repeat(20_000) })
        assert.equal(huge.statusCode, 413, url)
        const broken = await client.postJson(url, '{"_csrf":', {})
        assert.equal(broken.statusCode, 400, `${url} broken JSON`)
        const form = await client.post(url, { _csrf, response: '{}' })
        assert.equal(form.statusCode, 400, `${url} as a form`)
        const noToken = await client.postJson(url, {})
        assert.equal(noToken.statusCode, 403, `${url} without the token`)
        const crossSite = await client.postJson(url, { _csrf }, { origin: 'http://evil.example' })
        assert.equal(crossSite.statusCode, 403, `${url} cross-site`)
      }
      assert.deepEqual(await state(client), before)
      assert.equal(await isRecent(client), false)
      await t.db.query('DELETE FROM passkeys')
    })

    test('signed out, both addresses answer 401 in JSON', async () => {
      const client = new TestClient(t.app)
      const _csrf = await token(client, '/login')
      for (const url of [OPTIONS_URL, VERIFY_URL]) {
        const response = await client.postJson(url, { _csrf, response: {} })
        assert.equal(response.statusCode, 401, url)
        assert.deepEqual(response.json(), { error: 'signed_out' })
      }
    })

    test('the options count on the per-address limit of signed-in ceremonies, apart from sign-ins', async () => {
      const { client } = await staleWithPasskey()
      const _csrf = await token(client, '/account/confirm')
      for (let i = 0; i < PASSKEY_ACCOUNT_STARTS.limit; i++) {
        assert.equal((await client.postJson(OPTIONS_URL, { _csrf })).statusCode, 200)
      }
      // Sign-in ceremonies have a count of their own: not held by this one.
      assert.equal((await client.postJson('/passkeys/sign-in/options', { _csrf })).statusCode, 200)
      const refused = await client.postJson(OPTIONS_URL, { _csrf })
      assert.equal(refused.statusCode, 429)
      assert.ok(Number(refused.headers['retry-after']) > 0)
      await t.db.query('DELETE FROM passkeys')
    })
  })
}
