import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  disableAccount,
  enableAccount,
  endSessionsOfAccount,
  findAccount,
  type AdminContext,
} from '../../src/auth/account-admin.js'
import { issuePasswordReset, PASSWORD_RESET_SECONDS } from '../../src/auth/password-resets.js'
import { purgeOnce } from '../../src/jobs/purge.js'
import { hiddenInputs, TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { formError, fieldError, message, showsMessage, signedInAs } from '../helpers/pages.js'
import { codeAt, enableTwoFactor } from '../helpers/two-factor.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Issue 14: what `logon users disable / enable / end-sessions / reset` do
// (src/auth/account-admin.ts, password-resets.ts), through the pages and the API of a
// real app. The commands themselves (their lines, --json, exit codes) are
// tests/cli/users.test.ts; the change reaching other instances, tests/process/.

const PASSWORD = 'correct horse battery staple'
const NEW_PASSWORD = 'a brand new passphrase 77'

for (const engine of engines) {
  describe(`operator controls (${engine})`, () => {
    let t: TestApp
    let admin: () => AdminContext
    before(async () => {
      t = await startTestApp(engine)
      admin = () => ({ db: t.db, policy: t.config.session, now: t.clock.now() })
    })
    after(() => t.close())

    async function signedIn(name: string): Promise<TestClient> {
      const client = new TestClient(t.app)
      const registered = await client.register(name, PASSWORD)
      assert.equal(registered.statusCode, 303)
      return client
    }

    async function isSignedIn(client: TestClient): Promise<boolean> {
      return signedInAs((await client.get('/')).body) !== null
    }

    /** A reset link's path for `name`: what `logon users reset` prints after PUBLIC_ORIGIN. */
    async function resetPath(name: string, clearSecondFactor = false): Promise<string> {
      const account = await findAccount(admin(), name)
      const issued = await issuePasswordReset(t.db, {
        userId: account!.id,
        clearSecondFactor,
        now: t.clock.now(),
      })
      return `/password-reset/${issued!.token}`
    }

    /** Opens the link in a fresh browser and posts the new password; the final answer. */
    async function useLink(path: string, password = NEW_PASSWORD) {
      const browser = new TestClient(t.app)
      const opened = await browser.get(path)
      if (opened.statusCode !== 303) return { browser, answer: opened }
      assert.equal(opened.headers.location, '/password-reset')
      assert.equal(opened.headers['cache-control'], 'no-store')
      return {
        browser,
        answer: await browser.submit('/password-reset', '/password-reset', {
          new_password: password,
        }),
      }
    }

    test('a disabled account is signed out at once, and told so only with the right password', async () => {
      const client = await signedIn('Dora_Disabled')
      const other = await signedIn('Other_Kept')
      const disabled = await disableAccount(admin(), 'dora_disabled')
      await t.caughtUp() // the app's memory hears of ended sessions through the change feed
      assert.ok(disabled.ok)
      assert.deepEqual([disabled.changed, disabled.sessionsEnded], [true, 1])
      assert.equal(await isSignedIn(client), false, 'its session ended')
      assert.equal(await isSignedIn(other), true, 'another account is untouched')

      const right = await new TestClient(t.app).login('Dora_Disabled', PASSWORD)
      assert.equal(right.statusCode, 403)
      assert.equal(formError(right.body), message('login.disabled'))
      const wrong = await new TestClient(t.app).login('Dora_Disabled', 'not the password')
      const unknown = await new TestClient(t.app).login('Nobody_Here', 'not the password')
      assert.equal(wrong.statusCode, 401)
      assert.equal(formError(wrong.body), formError(unknown.body), 'a wrong guess learns nothing')

      const api = await t.app.inject({
        method: 'POST',
        url: '/api/v1/session',
        payload: { username: 'Dora_Disabled', password: PASSWORD },
      })
      assert.equal(api.statusCode, 403)
      assert.equal(api.json<{ code: string }>().code, 'account_disabled')
      assert.equal(api.cookies.length, 0, 'no session cookie')

      const again = await disableAccount(admin(), 'Dora_Disabled')
      assert.ok(again.ok)
      assert.equal(again.changed, false, 'disabling twice changes nothing')

      const enabled = await enableAccount(admin(), 'DORA_DISABLED')
      assert.ok(enabled.ok && enabled.changed)
      const back = new TestClient(t.app)
      assert.equal((await back.login('Dora_Disabled', PASSWORD)).statusCode, 303)
      assert.equal(await isSignedIn(back), true)
      assert.equal(await isSignedIn(client), false, 'the old session stays ended')

      const events = await t.db.query<{ kind: string }>(
        `SELECT kind FROM auth_events e JOIN users u ON u.id = e.user_id
          WHERE u.username_key = 'dora_disabled' ORDER BY e.id`,
      )
      const kinds = events.map((e) => e.kind)
      for (const kind of ['account_disabled', 'sign_in_refused', 'account_enabled']) {
        assert.ok(kinds.includes(kind), `${kind} recorded: ${kinds.join(', ')}`)
      }
      assert.equal(kinds.filter((k) => k === 'account_disabled').length, 1)
    })

    test('sign-ins racing a disable: none keeps a session once it has committed', async (context) => {
      await signedIn('Racing_Rita')
      // From addresses of their own: one address's share of the hashing is small.
      const attempts = Array.from(
        { length: 8 },
        (_, i) => new TestClient(t.app, {}, { remoteAddress: `10.1.0.${i + 1}` }),
      )
      const signIns = attempts.map((client) => client.login('Racing_Rita', PASSWORD))
      // Once the first has signed in, the others are still hashing or making sessions.
      await new Promise<void>((resolve) => {
        for (const signIn of signIns) void signIn.then((a) => a.statusCode === 303 && resolve())
        void Promise.all(signIns).then(() => resolve())
      })
      const disabled = disableAccount(admin(), 'Racing_Rita')
      const answers = await Promise.all(signIns)
      assert.ok((await disabled).ok)
      await t.caughtUp()
      const statuses = answers.map((answer) => answer.statusCode)
      context.diagnostic(`sign-ins racing the disable answered ${statuses.join(' ')}`)
      // 429: the account's share of the hashing is full; a refusal too.
      assert.ok(
        statuses.every((s) => [303, 403, 429].includes(s)),
        statuses.join(' '),
      )
      assert.ok(
        statuses.some((s) => s !== 429),
        'some sign-ins raced the disable',
      )
      const [live] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE u.username_key = 'racing_rita'`,
      )
      assert.equal(live?.n, 0, 'no session row outlives the disable')
      for (const client of attempts) assert.equal(await isSignedIn(client), false)
    })

    test('a sign-in that checked the password before a disable committed gets no session after it', async () => {
      const client = await signedIn('Waiting_Walt')
      assert.equal((await client.logout()).statusCode, 303)
      let signIn: ReturnType<TestClient['login']> | undefined
      await t.db.transaction(async (tx) => {
        // The disable's first statement, left uncommitted: it holds the row lock that
        // sessions.create waits for, and the sign-in's password check cannot see it.
        await tx.query(`UPDATE users SET disabled_at = $1 WHERE username_key = 'waiting_walt'`, [
          t.clock.now(),
        ])
        signIn = new TestClient(t.app).login('Waiting_Walt', PASSWORD)
        await new Promise((resolve) => setTimeout(resolve, 400))
      })
      const answer = await signIn!
      assert.equal(answer.statusCode, 403)
      assert.equal(formError(answer.body), message('login.disabled'))
      const [row] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE u.username_key = 'waiting_walt'`,
      )
      assert.equal(row?.n, 0)
    })

    test('a second step waiting when the account is disabled is spent for nothing', async () => {
      const owner = await signedIn('Stepping_Sue')
      const { secret } = await enableTwoFactor(owner, t.clock)
      const browser = new TestClient(t.app)
      const step = await browser.login('Stepping_Sue', PASSWORD)
      assert.equal(step.headers.location, '/login/two-factor')
      assert.ok((await disableAccount(admin(), 'stepping_sue')).ok)
      assert.ok((await enableAccount(admin(), 'stepping_sue')).ok)
      const form = await browser.get('/login/two-factor')
      assert.ok(!form.body.includes('action="/login/two-factor"'), 'no step to finish')
      // The code posted all the same, with the page's form token.
      const page = await browser.get('/login')
      const answer = await browser.post('/login/two-factor', {
        ...hiddenInputs(page.body, '/login'),
        code: codeAt(secret, t.clock.now()),
      })
      assert.notEqual(answer.statusCode, 303)
      assert.equal(await isSignedIn(browser), false)
    })

    test('a reset link made before a disable does not work after it', async () => {
      await signedIn('Leaked_Lou')
      const path = await resetPath('leaked_lou')
      assert.ok((await disableAccount(admin(), 'leaked_lou')).ok)
      assert.equal((await useLink(path)).answer.statusCode, 404)
      assert.equal((await new TestClient(t.app).login('Leaked_Lou', NEW_PASSWORD)).statusCode, 401)
    })

    test('end-sessions ends every session of one account, which can sign in again', async () => {
      const first = await signedIn('Ended_Eve')
      const second = new TestClient(t.app)
      assert.equal((await second.login('Ended_Eve', PASSWORD)).statusCode, 303)
      const ended = await endSessionsOfAccount(admin(), 'ended_eve')
      await t.caughtUp()
      assert.ok(ended.ok)
      assert.equal(ended.sessionsEnded, 2)
      assert.equal(await isSignedIn(first), false)
      assert.equal(await isSignedIn(second), false)
      assert.equal((await second.login('Ended_Eve', PASSWORD)).statusCode, 303)
      assert.equal((await endSessionsOfAccount(admin(), 'no_such_one')).ok, false)
    })

    test('a reset link sets a new password once, ends every session, and signs no one in', async () => {
      const owner = await signedIn('Reset_Rob')
      const path = await resetPath('reset_rob')
      const { browser, answer } = await useLink(path)
      assert.equal(answer.statusCode, 303)
      assert.equal(answer.headers.location, '/password-reset/done')
      assert.equal(await isSignedIn(browser), false, 'the link signs no one in')
      assert.ok(!browser.jar.has('password-reset'), 'its cookie is cleared')
      assert.equal(await isSignedIn(owner), false, 'the sessions of the account ended')
      assert.equal((await new TestClient(t.app).login('Reset_Rob', PASSWORD)).statusCode, 401)
      assert.equal((await new TestClient(t.app).login('Reset_Rob', NEW_PASSWORD)).statusCode, 303)

      const reused = await useLink(path, 'yet another passphrase 9')
      assert.equal(reused.answer.statusCode, 404, 'a link works once')
      assert.ok(showsMessage(reused.answer.body, 'reset.invalid'))
      assert.equal((await new TestClient(t.app).login('Reset_Rob', NEW_PASSWORD)).statusCode, 303)
    })

    test('the form: the name it is for, the policy, and no password kept in the page', async () => {
      await signedIn('Form_Fay')
      const browser = new TestClient(t.app)
      await browser.get(await resetPath('Form_Fay'))
      const form = await browser.get('/password-reset')
      assert.equal(form.statusCode, 200)
      assert.ok(showsMessage(form.body, 'reset.intro', { name: 'Form_Fay' }))
      assert.equal(form.headers['cache-control'], 'no-store')
      const weak = await browser.submit('/password-reset', '/password-reset', {
        new_password: 'short',
      })
      assert.equal(weak.statusCode, 400)
      assert.equal(
        fieldError(weak.body, 'new_password'),
        message('error.password_too_short', { min: 8 }),
      )
      assert.ok(!weak.body.includes('value="short"'))
      const noToken = await new TestClient(t.app).get('/password-reset')
      assert.equal(noToken.statusCode, 404)
      const forged = await new TestClient(t.app).get('/password-reset/not-a-token')
      assert.equal(forged.statusCode, 404)
    })

    test('two requests with one link: one password is set, the other is refused', async () => {
      await signedIn('Twice_Tom')
      const path = await resetPath('twice_tom')
      const browsers = [new TestClient(t.app), new TestClient(t.app)]
      for (const browser of browsers) assert.equal((await browser.get(path)).statusCode, 303)
      const forms = await Promise.all(browsers.map((browser) => browser.get('/password-reset')))
      const answers = await Promise.all(
        browsers.map((browser, i) =>
          browser.submit('/password-reset', '/password-reset', {
            new_password: `racing passphrase number ${i}`,
          }),
        ),
      )
      assert.deepEqual(
        forms.map((f) => f.statusCode),
        [200, 200],
      )
      assert.deepEqual(answers.map((a) => a.statusCode).sort(), [303, 404])
      const winner = answers.findIndex((a) => a.statusCode === 303)
      const signIn = await new TestClient(t.app).login(
        'Twice_Tom',
        `racing passphrase number ${winner}`,
      )
      assert.equal(signIn.statusCode, 303, 'the password set is the winner’s')
    })

    test('a link is void after an hour, after a newer one, and after its owner changes the password', async () => {
      const owner = await signedIn('Void_Val')
      const expired = await resetPath('void_val')
      t.clock.advanceSeconds(PASSWORD_RESET_SECONDS + 1)
      assert.equal((await useLink(expired)).answer.statusCode, 404, 'expired')

      const replaced = await resetPath('void_val')
      const newer = await resetPath('void_val')
      assert.equal((await useLink(replaced)).answer.statusCode, 404, 'replaced by a newer one')

      assert.equal((await owner.login('Void_Val', PASSWORD)).statusCode, 303)
      const changed = await owner.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: 'the owner chose this one 5',
      })
      assert.equal(changed.statusCode, 303)
      assert.equal((await useLink(newer)).answer.statusCode, 404, 'voided by a password change')
      const [row] = await t.db.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM password_resets r JOIN users u ON u.id = r.user_id
          WHERE u.username_key = 'void_val'`,
      )
      assert.ok(row && row.n <= 1, 'one link an account at most')
    })

    test('the purge deletes the links past their hour and keeps the others', async () => {
      await signedIn('Purged_Pia')
      await signedIn('Kept_Kai')
      await resetPath('purged_pia')
      t.clock.advanceSeconds(PASSWORD_RESET_SECONDS - 10)
      await resetPath('kept_kai')
      t.clock.advanceSeconds(11)
      await purgeOnce({ db: t.db, policy: t.config.session, now: t.clock.now() })
      const left = await t.db.query<{ username: string }>(
        `SELECT u.username FROM password_resets r JOIN users u ON u.id = r.user_id
          WHERE u.username_key IN ('purged_pia', 'kept_kai')`,
      )
      assert.deepEqual(
        left.map((row) => row.username),
        ['Kept_Kai'],
      )
    })

    test('a wrong secret with a right id burns no one’s link', async () => {
      await signedIn('Guessed_Gus')
      const path = await resetPath('guessed_gus')
      const [id, secret] = path.slice('/password-reset/'.length).split('.')
      const guess = `${id}.${secret!.slice(0, -1)}${secret!.endsWith('A') ? 'B' : 'A'}`
      assert.equal((await useLink(`/password-reset/${guess}`)).answer.statusCode, 404)
      assert.equal((await useLink(path)).answer.statusCode, 303, 'the real link still works')
    })

    test('the second factor stays unless the operator clears it with the link', async () => {
      const kept = await signedIn('Factor_Kept')
      await enableTwoFactor(kept, t.clock)
      assert.equal((await useLink(await resetPath('factor_kept'))).answer.statusCode, 303)
      const signIn = new TestClient(t.app)
      const step = await signIn.login('Factor_Kept', NEW_PASSWORD)
      assert.equal(step.headers.location, '/login/two-factor', 'the factor is still asked for')

      const cleared = await signedIn('Factor_Cleared')
      await enableTwoFactor(cleared, t.clock)
      const browser = new TestClient(t.app)
      await browser.get(await resetPath('factor_cleared', true))
      assert.ok(showsMessage((await browser.get('/password-reset')).body, 'reset.clearsFactor'))
      const set = await browser.submit('/password-reset', '/password-reset', {
        new_password: NEW_PASSWORD,
      })
      assert.equal(set.statusCode, 303)
      const direct = await new TestClient(t.app).login('Factor_Cleared', NEW_PASSWORD)
      assert.equal(direct.statusCode, 303)
      assert.equal(direct.headers.location, '/', 'signed in with the password alone')
      const [left] = await t.db.query<{ factors: number; codes: number }>(
        `SELECT (SELECT count(*)::int FROM totp_factors f JOIN users u ON u.id = f.user_id
                  WHERE u.username_key = 'factor_cleared') AS factors,
                (SELECT count(*)::int FROM recovery_codes c JOIN users u ON u.id = c.user_id
                  WHERE u.username_key = 'factor_cleared') AS codes`,
      )
      assert.deepEqual(left, { factors: 0, codes: 0 }, 'the app and the recovery codes are gone')
    })
  })
}
