import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { formatDuration } from '../../src/views/format.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { fieldError, listedEvents, message, showsMessage, signedInAs } from '../helpers/pages.js'
import { eventKindsOf, rowsOfUser, sessionsOf, userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'a long and uncommon passphrase'
const NEW_PASSWORD = 'another long uncommon passphrase'
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

function sessionIdOf(client: TestClient): string {
  return client.jar.get('session')!.split('.')[0]!
}

/** Whom the home page greets for this client: null when it is signed out. */
async function homeGreets(client: TestClient): Promise<string | null> {
  return signedInAs((await client.get('/')).body)
}

for (const engine of engines) {
  describe(`the account page (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: { SESSION_IDLE_TIMEOUT: '1800', SESSION_ABSOLUTE_TIMEOUT: '43200' },
      })
    })
    after(() => t.close())

    test('signed out, /account leads to sign-in and back to /account', async () => {
      await new TestClient(t.app).register('ann', PASSWORD)
      const client = new TestClient(t.app)
      const response = await client.get('/account')
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/login?next=%2Faccount')
      const login = await client.submit('/login?next=%2Faccount', '/login', {
        username: 'ann',
        password: PASSWORD,
      })
      assert.equal(login.statusCode, 303)
      assert.equal(login.headers.location, '/account')
      assert.equal((await client.get('/account')).statusCode, 200)
    })

    test('shows the current session: signed in at, ends at, idle limit, in <time datetime>', async () => {
      const client = new TestClient(t.app, { 'user-agent': FIREFOX_LINUX })
      await client.login('ann', PASSWORD)
      const page = (await client.get('/account')).body
      const now = t.clock.now()
      assert.ok(showsMessage(page, 'account.signedInAs', { name: 'ann' }))
      assert.ok(page.includes(`<time datetime="${now.toISOString()}">`), 'signed in at')
      const idleEnd = new Date(now.getTime() + 1800_000).toISOString()
      assert.match(
        page,
        new RegExp(`id="session-ends"><time datetime="${idleEnd}"`),
        'ends at the idle limit',
      )
      const explained = showsMessage(page, 'account.sessionExplained', {
        idle: formatDuration(1800, message),
        absolute: formatDuration(43200, message),
        remember: formatDuration(t.config.session.rememberTimeoutSeconds, message),
      })
      assert.ok(explained, 'the idle and absolute limits of this app')
      assert.ok(showsMessage(page, 'account.deviceOn', { browser: 'Firefox', os: 'Linux' }))
    })

    test('lists every active session with its device, and revoking one ends it at its next request', async () => {
      await new TestClient(t.app).register('ben', PASSWORD)
      const laptop = new TestClient(t.app, { 'user-agent': FIREFOX_LINUX })
      const phone = new TestClient(t.app, { 'user-agent': SAFARI_IPHONE })
      await laptop.login('ben', PASSWORD)
      await phone.login('ben', PASSWORD)
      const page = (await laptop.get('/account')).body
      assert.ok(showsMessage(page, 'account.deviceOn', { browser: 'Firefox', os: 'Linux' }))
      assert.ok(showsMessage(page, 'account.deviceOn', { browser: 'Mobile Safari', os: 'iOS' }))
      assert.ok(page.includes(`value="${sessionIdOf(phone)}"`), 'the phone has a revoke form')
      assert.ok(
        !page.includes(`name="session" value="${sessionIdOf(laptop)}"`),
        'the current one has none',
      )
      assert.ok(!/secret_hash|\$argon2/.test(page))
      const response = await laptop.submit('/account', '/account/sessions/revoke', {
        session: sessionIdOf(phone),
      })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/account')
      assert.equal(await homeGreets(phone), null, 'the phone is signed out at once')
      assert.equal(await homeGreets(laptop), 'ben')
      assert.ok((await eventKindsOf(t.db, 'ben')).includes('session_revoked'))
    })

    test('a session id of another account is never touched', async () => {
      await new TestClient(t.app).register('cat', PASSWORD)
      const victim = new TestClient(t.app)
      await victim.login('cat', PASSWORD)
      const attacker = new TestClient(t.app)
      await attacker.login('ben', PASSWORD)
      const fields = hiddenInputs((await attacker.get('/account')).body, '/account/sessions/revoke')
      const response = await attacker.post('/account/sessions/revoke', {
        _csrf: fields._csrf!,
        session: sessionIdOf(victim),
      })
      assert.equal(response.statusCode, 303)
      assert.equal(await homeGreets(victim), 'cat')
    })

    test('"sign out all other sessions" keeps only the current one', async () => {
      const clients = [new TestClient(t.app), new TestClient(t.app), new TestClient(t.app)]
      for (const c of clients) await c.login('cat', PASSWORD)
      const [keeper, ...others] = clients as [TestClient, ...TestClient[]]
      const page = (await keeper.get('/account')).body
      const form = [
        ...page.matchAll(/<form[^>]*action="\/account\/sessions\/revoke"[\s\S]*?<\/form>/g),
      ].find((m) => m[0].includes('all-others'))
      assert.ok(form, 'the page has an all-others form')
      const token = /name="_csrf" value="([^"]+)"/.exec(form[0])![1]!
      assert.equal(
        (await keeper.post('/account/sessions/revoke', { _csrf: token, 'all-others': '1' }))
          .statusCode,
        303,
      )
      for (const other of others) assert.equal(await homeGreets(other), null)
      assert.equal(await homeGreets(keeper), 'cat')
      assert.equal((await sessionsOf(t.db, 'cat')).length, 1)
    })

    test('changing the password ends every other session, keeps this one, and the old password stops working', async () => {
      await new TestClient(t.app).register('dan', PASSWORD)
      const here = new TestClient(t.app)
      const elsewhere = new TestClient(t.app)
      await here.login('dan', PASSWORD)
      await elsewhere.login('dan', PASSWORD)
      const wrong = await here.submit('/account', '/account/password', {
        current_password: 'not it at all',
        new_password: NEW_PASSWORD,
      })
      assert.equal(wrong.statusCode, 401)
      assert.equal(fieldError(wrong.body, 'current_password'), message('error.password_wrong'))
      const weak = await here.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: 'password123',
      })
      assert.equal(weak.statusCode, 400)
      assert.equal(fieldError(weak.body, 'new_password'), message('error.password_too_common'))
      assert.equal(await homeGreets(elsewhere), 'dan', 'failed attempts change nothing')
      const ok = await here.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(ok.statusCode, 303)
      assert.equal(ok.headers.location, '/account')
      assert.equal(await homeGreets(here), 'dan')
      assert.equal(await homeGreets(elsewhere), null)
      assert.equal((await new TestClient(t.app).login('dan', PASSWORD)).statusCode, 401)
      assert.equal((await new TestClient(t.app).login('dan', NEW_PASSWORD)).statusCode, 303)
      assert.ok((await eventKindsOf(t.db, 'dan')).includes('password_changed'))
    })

    test('deleting the account needs the password, then removes it, its sessions and events, and frees the name', async () => {
      await new TestClient(t.app).register('eve', PASSWORD)
      const client = new TestClient(t.app)
      const other = new TestClient(t.app)
      await client.login('eve', PASSWORD)
      await other.login('eve', PASSWORD)
      const wrong = await client.submit('/account', '/account/delete', {
        password: 'not the password',
      })
      assert.equal(wrong.statusCode, 401)
      const user = await userRow(t.db, 'eve')
      assert.ok(user, 'still there after a wrong password')
      const response = await client.submit('/account', '/account/delete', { password: PASSWORD })
      assert.equal(response.statusCode, 303)
      assert.equal(response.headers.location, '/')
      assert.equal(client.jar.has('session'), false)
      for (const table of ['users', 'sessions', 'auth_events'] as const) {
        assert.equal(await rowsOfUser(t.db, table, user.id), 0, table)
      }
      assert.equal(await homeGreets(other), null)
      assert.equal((await new TestClient(t.app).login('eve', PASSWORD)).statusCode, 401)
      assert.equal(
        (await new TestClient(t.app).register('EVE', NEW_PASSWORD)).statusCode,
        303,
        'the name is free',
      )
    })

    test('the page shows the last 20 events, newest first', async () => {
      await new TestClient(t.app).register('fay', PASSWORD)
      const client = new TestClient(t.app)
      for (let i = 0; i < 12; i++) {
        await client.login('fay', PASSWORD)
        await client.logout()
      }
      await client.login('fay', PASSWORD)
      const page = (await client.get('/account')).body
      const events = listedEvents(page)
      assert.equal(events.length, 20)
      assert.deepEqual(events.slice(0, 3), ['signed_in', 'signed_out', 'signed_in'], 'newest first')
    })

    test('bad revoke, password and delete forms get 400 and change nothing', async () => {
      const client = new TestClient(t.app)
      await client.login('fay', PASSWORD)
      const token = hiddenInputs((await client.get('/account')).body, '/account/delete')._csrf!
      const cases: Array<[string, Record<string, string | string[]>]> = [
        ['/account/sessions/revoke', { 'all-others': 'yes' }],
        ['/account/sessions/revoke', {}],
        ['/account/password', { current_password: PASSWORD }],
        ['/account/delete', { password: ['a', 'b'] }],
      ]
      for (const [action, fields] of cases) {
        const response = await client.post(action, { _csrf: token, ...fields })
        assert.equal(response.statusCode, 400, action)
      }
      assert.equal(await homeGreets(client), 'fay')
    })

    test('signed out, the account forms lead to sign-in and change nothing', async () => {
      const client = new TestClient(t.app)
      const token = hiddenInputs((await client.get('/login')).body, '/login')._csrf!
      for (const action of ['/account/sessions/revoke', '/account/password', '/account/delete']) {
        const response = await client.post(action, {
          _csrf: token,
          'all-others': '1',
          password: PASSWORD,
        })
        assert.equal(response.statusCode, 303, action)
        assert.equal(response.headers.location, '/login?next=%2Faccount')
      }
    })
  })
}
