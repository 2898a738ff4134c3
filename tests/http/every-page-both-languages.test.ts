import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import {
  disableAccount,
  enableAccount,
  endSessionsOfAccount,
  findAccount,
} from '../../src/auth/account-admin.js'
import { recordAuthEvent } from '../../src/auth/events.js'
import { issuePasswordReset } from '../../src/auth/password-resets.js'
import { MEMBERS_PAGE_SIZE } from '../../src/auth/members.js'
import { LOCALES, type Locale } from '../../src/i18n/translate.js'
import { decodeEntities, hiddenInputs, TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import {
  ENGLISH_CATALOG_WORDS,
  englishWordsIn,
  hasHan,
  htmlLang,
  SPOKEN,
  visibleText,
} from '../helpers/languages.js'
import {
  holdEveryHashPlace,
  startAppOnSwitchableDatabase,
  type SwitchableDatabase,
} from '../helpers/outages.js'
import { fieldError, formError, listedEvents, signedInAs } from '../helpers/pages.js'
import { userRow } from '../helpers/sql.js'
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { codeAt, enableTwoFactor, recoveryCodesOf, setupSecretOf } from '../helpers/two-factor.js'

// Every page and every error answer, in each language Logon speaks: the status the
// answer should have, <html lang> of its language, and for Chinese no word of the
// English catalog left in what a reader sees (helpers/languages.ts: the text between
// the tags and the read-out attributes, usernames and the brand removed, words of 3+
// Latin letters of src/i18n/en.ts's messages, less a justified allow-list). An
// English page, in turn, shows no Chinese but the switcher's own "简体中文", and its
// English is seen by the same check (so the check is known to find English).
// Together the English answers below show every word of the English catalog, and the
// last English test checks it (against the catalog as it is at run time, less
// NEVER_SHOWN): a message no test here renders is a message whose Chinese page is not
// looked at, so a Chinese page that forgets a message has nowhere to hide.
//
// Written for Logon with the zh-CN catalog: until it lands, LOCALES is ['en'], a
// Chinese request gets the English page, and every zh-CN test here fails.

const PASSWORD = 'a long and uncommon passphrase'
const NEW_PASSWORD = 'another long and uncommon passphrase'
const WRONG = 'not the passphrase at all'
const FIREFOX_ON_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const CHROME_ON_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36'

const ENV = {
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3',
  SIGN_IN_FAILURES_PER_ACCOUNT: '6',
  SESSIONS_PER_ACCOUNT: '3',
}

/** The key a setup page shows for typing, as shown (groups of four letters). */
function typedKeyOf(html: string): string {
  return decodeEntities(/id="totp-secret"[^>]*>([^<]*)</.exec(html)?.[1] ?? '')
}

/** Every name this file registers: removed from the text before looking for English. */
const NAMES: string[] = ['resident']

let nextAddress = 1
function addressOfNewVisitor(): string {
  const n = nextAddress++
  return `10.${n >> 8}.${n & 255}.2`
}

interface Expected {
  status: number
  /**
   * 'html' (default): a page with <html lang>; 'plain': a short text answer; 'problem':
   * a JSON API problem, whose title, detail and field details are read.
   */
  kind?: 'html' | 'plain' | 'problem'
}

/**
 * Words of the English catalog that no answer of this file can show, each with why.
 * The English suite's last test fails on any other catalog word its answers never
 * showed, and on any word listed here that it did show (the reason no longer holds).
 */
const PASSKEY_DIALOG_CANCELLED =
  "passkey.cancelled: public/passkeys.js writes it, from a data- attribute of /login and /account, when the browser's passkey dialog is cancelled; no answer shows it as text"
const NEVER_SHOWN: ReadonlyMap<string, string> = new Map([
  ['cancelled', PASSKEY_DIALOG_CANCELLED],
  ['timed', PASSKEY_DIALOG_CANCELLED],
])

/** What a person reads of a problem: its title, its detail, each field's detail. */
function problemText(body: string): string {
  const problem = JSON.parse(body) as {
    title: string
    detail?: string
    errors?: { detail: string }[]
  }
  return [problem.title, problem.detail ?? '', ...(problem.errors ?? []).map((e) => e.detail)].join(
    ' ',
  )
}

/** Checks one answer: its status, and that it is wholly in the test's language. */
type Check = (response: LightMyRequestResponse, what: string, expected: Expected) => void

/**
 * A test of pages in `locale`. Each answer's status must be right at once (else the
 * test is not looking at the page it means); what is wrong with their language is
 * gathered and reported at the end, every page and every word of the test at once.
 */
function languageTest(
  locale: Locale,
  name: string,
  fn: (check: Check) => Promise<void>,
  seen: Set<string>,
) {
  test(name, async () => {
    const wrongByAnswer: Record<string, Record<string, unknown>> = {}
    await fn((response, what, { status, kind = 'html' }) => {
      assert.equal(response.statusCode, status, `${what}: status`)
      const type = String(response.headers['content-type'])
      const types = {
        html: /^text\/html/,
        plain: /^text\/plain/,
        problem: /^application\/problem\+json/,
      }
      assert.match(type, types[kind], `${what}: ${kind}`)
      const wrong: Record<string, unknown> = {}
      const lang = htmlLang(response.body)
      if (kind === 'html' && lang !== locale) wrong.htmlLang = lang
      const text = kind === 'problem' ? problemText(response.body) : visibleText(response.body)
      const english = englishWordsIn(text, NAMES)
      if (locale === 'en') {
        for (const word of english) seen.add(word)
        if (hasHan(text.split('简体中文').join(' '))) wrong.chinese = text
        // The check itself: it does find English where there is some.
        if (english.length === 0) wrong.englishNotSeen = text
      } else {
        if (english.length > 0) wrong.englishWords = `${english.length}: ${english.join(' ')}`
        if (!hasHan(text)) wrong.noChinese = true
      }
      if (Object.keys(wrong).length > 0) wrongByAnswer[what] = wrong
    })
    assert.deepEqual(wrongByAnswer, {}, `answers not wholly in ${locale}`)
  })
}

test('LOCALES holds English and Simplified Chinese', () => {
  assert.deepEqual(LOCALES, SPOKEN, 'the zh-CN catalog is not in src/i18n/translate.ts')
})

for (const engine of engines) {
  describe(`every page in every language (${engine})`, () => {
    let t: TestApp
    let closed: TestApp
    let short: TestApp
    let down: Awaited<ReturnType<typeof startAppOnSwitchableDatabase>>
    let limited: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: ENV })
      closed = await startTestApp(engine, { env: { ...ENV, REGISTRATION: 'closed' } })
      // Lifetimes of one unit each ("1 minute", "1 hour", "1 day"); t has the defaults
      // (30 minutes, 12 hours, 30 days).
      short = await startTestApp(engine, {
        env: {
          ...ENV,
          SESSION_IDLE_TIMEOUT: '60',
          SESSION_ABSOLUTE_TIMEOUT: '3600',
          SESSION_REMEMBER_TIMEOUT: '86400',
        },
      })
      down = await startAppOnSwitchableDatabase(engine, ENV)
      limited = await startTestApp(engine, {
        env: { ...ENV, REQUESTS_PER_ADDRESS_PER_MINUTE: '60' },
      })
      const registrar = new TestClient(t.app, {}, { remoteAddress: addressOfNewVisitor() })
      assert.equal((await registrar.register('resident', PASSWORD)).statusCode, 303)
      // More members than a page holds, for the "Next page" and "First page" links.
      for (let i = 1; i <= MEMBERS_PAGE_SIZE + 5; i++) {
        const name = `crowd${String(i).padStart(3, '0')}`
        NAMES.push(name)
        assert.equal((await registrar.register(name, PASSWORD)).statusCode, 303)
      }
    })
    after(async () => {
      await t.close()
      await closed.close()
      await short.close()
      await down.close()
      await limited.close()
    })

    for (const locale of SPOKEN) {
      const tag = locale.replace('-', '')
      let users = 0
      /** A visitor asking for `locale`, from an address of its own. */
      const visitor = (app = t.app, headers: Record<string, string> = {}) =>
        new TestClient(
          app,
          { 'accept-language': locale, 'user-agent': FIREFOX_ON_LINUX, ...headers },
          { remoteAddress: addressOfNewVisitor() },
        )
      /**
       * A name of its own for a test's wrong passwords: the account counter
       * (SIGN_IN_FAILURES_PER_ACCOUNT) must not add up across tests. Unknown names get
       * the same answers as wrong passwords.
       */
      const freshName = () => {
        const name = `nobody${tag}${++users}`
        NAMES.push(name)
        return name
      }
      /** A new account, signed in on a client asking for `locale`. */
      async function member(headers: Record<string, string> = {}) {
        const name = `reader${tag}${++users}`
        NAMES.push(name)
        const client = visitor(t.app, headers)
        assert.equal((await client.register(name, PASSWORD)).statusCode, 303)
        return { client, name }
      }

      /** The English catalog's words the English answers showed, for the last test. */
      const seen = new Set<string>()
      const pageTest = (name: string, fn: (check: Check) => Promise<void>) =>
        languageTest(locale, name, fn, seen)

      describe(locale, () => {
        pageTest('home, signed out', async (check) => {
          check(await visitor().get('/'), 'GET / signed out', { status: 200 })
        })

        pageTest(
          'home, signed in: the first page of members, the next, and past the last',
          async (check) => {
            const { client, name } = await member()
            const first = await client.get('/')
            assert.equal(signedInAs(first.body), name)
            assert.match(first.body, /class="members"/)
            check(first, 'GET / signed in', { status: 200 })
            const next = /<a href="([^"]*)" rel="next"/.exec(first.body)?.[1]
            assert.ok(next, 'a link to the next page')
            const second = await client.get(decodeEntities(next))
            assert.match(second.body, /<a href="\/">/, 'a link to the first page')
            check(second, 'GET /?after= signed in', { status: 200 })
            const past = await client.get('/?after=1') // newest first: nothing before the first id
            assert.doesNotMatch(past.body, /class="members"/, 'no members')
            check(past, 'GET /?after= past the last', { status: 200 })
          },
        )

        pageTest('/login, blank and with a next', async (check) => {
          const client = visitor()
          check(await client.get('/login'), 'GET /login', { status: 200 })
          const withNext = await client.get('/login?next=%2Faccount')
          check(withNext, 'GET /login?next=', { status: 200 })
        })

        pageTest('/login with the wrong password (401)', async (check) => {
          const answer = await visitor().login(freshName(), WRONG)
          assert.ok(formError(answer.body), 'a form error')
          check(answer, 'POST /login wrong password', { status: 401 })
        })

        pageTest('/login with a form that is not filled in as expected (400)', async (check) => {
          const client = visitor()
          const answer = await client.post('/login', {
            ...hiddenInputs((await client.get('/login')).body, '/login'),
            username: ['a', 'b'],
          })
          assert.ok(formError(answer.body), 'a form error')
          check(answer, 'POST /login bad form', { status: 400 })
        })

        pageTest(
          '/login when the sign-in limit is reached (429), in minutes and in seconds',
          async (check) => {
            const client = visitor()
            const name = freshName()
            for (let i = 0; i < 3; i++) {
              assert.equal((await client.login(name, WRONG)).statusCode, 401)
            }
            // The wait is said in its unit: "1 minute", then "2 seconds", then "1 second".
            for (const [advance, retryAfter] of [
              [0, '60'],
              [58, '2'],
              [1, '1'],
            ] as const) {
              t.clock.advanceSeconds(advance)
              const refused = await client.login(name, PASSWORD)
              assert.equal(refused.headers['retry-after'], retryAfter)
              assert.ok(formError(refused.body), 'a form error saying how long to wait')
              check(refused, `POST /login, ${retryAfter} s to wait`, {
                status: 429,
              })
            }
          },
        )

        pageTest('/register, blank', async (check) => {
          check(await visitor().get('/register'), 'GET /register', {
            status: 200,
          })
        })

        const fieldErrors: Array<[what: string, username: string, password: string]> = [
          ['no name, a short password', '', 'short'],
          ['a name too short, a password too long', 'x', 'x'.repeat(1025)],
          ['a name of other characters, a common password', '-dash', 'password'],
          ['a name of mixed scripts', 'abcд', PASSWORD],
          ['a name with stacked marks', 'ab\u0301\u0301', PASSWORD],
        ]
        for (const [what, username, password] of fieldErrors) {
          pageTest(`/register with field errors: ${what} (400)`, async (check) => {
            const answer = await visitor().register(username, password)
            assert.ok(fieldError(answer.body, 'username'), 'an error next to the name')
            check(answer, `POST /register: ${what}`, { status: 400 })
          })
        }

        pageTest('/register with a name taken (409)', async (check) => {
          const answer = await visitor().register('Resident', PASSWORD)
          assert.ok(fieldError(answer.body, 'username'), 'an error next to the name')
          check(answer, 'POST /register taken', { status: 409 })
        })

        pageTest(
          '/register, /login and home with REGISTRATION=closed (403 for /register)',
          async (check) => {
            const client = visitor(closed.app)
            const page = await client.get('/register')
            assert.match(page.body, /id="registration-closed"/)
            check(page, 'GET /register closed', { status: 403 })
            const post = await client.post('/register', {
              username: 'newcomer',
              password: PASSWORD,
            })
            check(post, 'POST /register closed', { status: 403 })
            check(await client.get('/login'), 'GET /login closed', {
              status: 200,
            })
            check(await client.get('/'), 'GET / closed', { status: 200 })
          },
        )

        pageTest('/account, with lifetimes of many units and of one', async (check) => {
          const { client } = await member()
          const page = await client.get('/account')
          assert.match(page.body, /id="session-ends"/)
          check(page, 'GET /account', { status: 200 })
          const name = `short${tag}`
          NAMES.push(name)
          const shortLived = visitor(short.app)
          assert.equal((await shortLived.register(name, PASSWORD)).statusCode, 303)
          const one = await shortLived.get('/account')
          check(one, 'GET /account, lifetimes of one unit', { status: 200 })
        })

        pageTest(
          '/account with every kind of event, other sessions, a lock notice and a remembered session',
          async (check) => {
            // Each sign-in a second after the one before: the least recently used session
            // is then the first one, not a tie.
            const { name } = await member({ 'user-agent': CHROME_ON_WINDOWS })
            t.clock.advanceSeconds(1)
            const owner = visitor()
            assert.equal((await owner.login(name, PASSWORD, { remember: 'on' })).statusCode, 303)
            const third = visitor(t.app, { 'user-agent': CHROME_ON_WINDOWS })
            assert.equal((await third.login(name, PASSWORD)).statusCode, 303)
            assert.equal((await third.logout()).statusCode, 303) // signed_out
            for (let i = 0; i < 2; i++) {
              // A third session, then a fourth: the first one (registration's) is ended.
              t.clock.advanceSeconds(1)
              assert.equal((await visitor().login(name, PASSWORD)).statusCode, 303)
            }
            assert.equal(signedInAs((await owner.get('/')).body), name, 'the owner is still in')
            const wrong = await owner.submit('/account', '/account/password', {
              current_password: WRONG,
              new_password: NEW_PASSWORD,
            })
            assert.equal(wrong.statusCode, 401) // password_check_failed
            const revoked = await owner.submit('/account', '/account/sessions/revoke', {
              'all-others': '1',
            })
            assert.equal(revoked.statusCode, 303) // session_revoked
            const changed = await owner.submit('/account', '/account/password', {
              current_password: PASSWORD,
              new_password: NEW_PASSWORD,
            })
            assert.equal(changed.statusCode, 303) // password_changed
            // Strangers: 3 wrong passwords from each of 2 addresses reach the account's 6.
            for (const stranger of [visitor(), visitor()]) {
              for (let i = 0; i < 3; i++) {
                assert.equal((await stranger.login(name, WRONG)).statusCode, 401)
              }
            }
            const allKinds = [
              'account_locked',
              'password_changed',
              'password_check_failed',
              'registered',
              'session_revoked',
              'sessions_over_limit_ended',
              'sign_in_failed',
              'signed_in',
              'signed_out',
            ]
            // A failed sign-in is written once its answer has left: wait for the last.
            let page = await owner.get('/account')
            for (let tries = 0; tries < 100; tries++) {
              if ([...new Set(listedEvents(page.body))].length === allKinds.length) break
              await new Promise((resolve) => setTimeout(resolve, 20))
              page = await owner.get('/account')
            }
            // Once more: the page reads its events and the lock's time on two connections
            // at once, and the last event may have landed between the two reads.
            page = await owner.get('/account')
            assert.equal(page.statusCode, 200)
            assert.deepEqual([...new Set(listedEvents(page.body))].sort(), allKinds)
            assert.match(page.body, /id="account-lock-notice"/)
            check(page, 'GET /account, everything on it', { status: 200 })
          },
        )

        pageTest(
          '/account with passkeys: each notice, every passkey event, a rename refused (400)',
          async (check) => {
            const { client } = await member()
            const csrf = async () =>
              /name="_csrf" value="([^"]+)"/.exec((await client.get('/account')).body)![1]!
            const keys = [0, 1].map(() => new SoftwareAuthenticator(t.config.relyingParty))
            for (const [i, key] of keys.entries()) {
              const name = `key${tag}${i}`
              NAMES.push(name)
              const _csrf = await csrf()
              const begun = await client.postJson('/account/passkeys/options', { _csrf })
              const { options } = begun.json() as {
                options: { challenge: string; user: { id: string } }
              }
              const added = await client.postJson('/account/passkeys', {
                _csrf,
                name,
                response: key.register(options),
              })
              assert.equal(added.statusCode, 200)
            }
            check(await client.get('/account?passkey=added'), 'GET /account, a passkey added', {
              status: 200,
            })
            // A sign-in with the first passkey, then one whose counter went back.
            for (const counter of [undefined, 0]) {
              const _csrf = await csrf()
              const begun = await client.postJson('/passkeys/sign-in/options', { _csrf })
              const { options } = begun.json() as { options: { challenge: string } }
              await client.postJson('/passkeys/sign-in', {
                _csrf,
                response: keys[0]!.assert(options, counter === undefined ? {} : { counter }),
              })
            }
            const page = await client.get('/account')
            const rename = hiddenInputs(page.body, '/account/passkeys/rename')
            const renamedTo = `renamed${tag}`
            NAMES.push(renamedTo)
            const renamed = await client.post('/account/passkeys/rename', {
              ...rename,
              name: renamedTo,
            })
            assert.equal(renamed.statusCode, 303)
            check(await client.get('/account?passkey=renamed'), 'GET /account, renamed', {
              status: 200,
            })
            const tooLong = await client.post('/account/passkeys/rename', {
              ...rename,
              name: 'x'.repeat(65),
            })
            check(tooLong, 'POST /account/passkeys/rename, too long', { status: 400 })
            // Past REAUTH_MAX_AGE, removing one asks first, and a passkey may confirm.
            t.clock.advanceSeconds(10 * 60 + 1)
            check(
              await client.get('/account/confirm?next=%2Faccount'),
              'GET /account/confirm with a passkey',
              { status: 200 },
            )
            const remove = hiddenInputs(
              (await client.get('/account')).body,
              '/account/passkeys/remove',
            )
            const asked = await client.post('/account/passkeys/remove', remove)
            assert.match(asked.body, /data-passkey="confirm"/)
            check(asked, 'POST /account/passkeys/remove, asked to confirm', { status: 401 })
            {
              const _csrf = await csrf()
              const begun = await client.postJson('/account/confirm/passkey/options', { _csrf })
              const { options } = begun.json() as { options: { challenge: string } }
              const confirmed = await client.postJson('/account/confirm/passkey', {
                _csrf,
                response: keys[1]!.assert(options),
              })
              assert.equal(confirmed.statusCode, 200)
            }
            const removed = await client.post('/account/passkeys/remove', remove)
            assert.equal(removed.statusCode, 303)
            const after = await client.get('/account?passkey=removed')
            assert.deepEqual(
              [...new Set(listedEvents(after.body))].filter((k) => k.startsWith('passkey')).sort(),
              ['passkey_added', 'passkey_counter_regressed', 'passkey_removed', 'passkey_renamed'],
            )
            check(after, 'GET /account, a passkey removed, every passkey event', { status: 200 })
          },
        )

        pageTest(
          '/account with other sessions to sign out, one of an unknown device',
          async (check) => {
            const { client, name } = await member()
            const elsewhere = visitor(t.app, { 'user-agent': CHROME_ON_WINDOWS })
            assert.equal((await elsewhere.login(name, PASSWORD)).statusCode, 303)
            // A User-Agent that names no browser or system: "Unknown device".
            const unknown = visitor(t.app, { 'user-agent': 'lightMyRequest' })
            assert.equal((await unknown.login(name, PASSWORD)).statusCode, 303)
            const page = await client.get('/account')
            assert.match(page.body, /name="all-others"/)
            check(page, 'GET /account, two sessions', { status: 200 })
          },
        )

        pageTest(
          'home and /account with notices of another sign-in and of a wrong second-factor code',
          async (check) => {
            const { client, name } = await member()
            const user = await userRow(t.db, name)
            const wrongCode = () =>
              recordAuthEvent(t.db, {
                userId: user!.id,
                kind: 'two_factor_failed',
                at: t.clock.now(),
                ip: '192.0.2.44',
                userAgent: CHROME_ON_WINDOWS,
              })
            assert.equal((await visitor().login(name, PASSWORD)).statusCode, 303)
            await wrongCode()
            await t.caughtUp()
            const home = await client.get('/')
            assert.match(home.body, /data-notice="two_factor_failed"[\s\S]*data-notice="signed_in"/)
            check(home, 'GET / with notices', { status: 200 })
            assert.equal((await visitor().login(name, PASSWORD)).statusCode, 303)
            await wrongCode()
            await t.caughtUp()
            const account = await client.get('/account')
            assert.match(account.body, /id="session-notices"/)
            assert.ok(listedEvents(account.body).includes('two_factor_failed'))
            check(account, 'GET /account with notices', { status: 200 })
          },
        )

        pageTest(
          "/account with the password form's errors (400 too short, 401 wrong)",
          async (check) => {
            const { client } = await member()
            const weak = await client.submit('/account', '/account/password', {
              current_password: PASSWORD,
              new_password: 'short',
            })
            assert.ok(fieldError(weak.body, 'new_password'), 'an error next to the new password')
            check(weak, 'POST /account/password too short', { status: 400 })
            const common = await client.submit('/account', '/account/password', {
              current_password: PASSWORD,
              new_password: 'password',
            })
            check(common, 'POST /account/password too common', { status: 400 })
            const wrong = await client.submit('/account', '/account/password', {
              current_password: WRONG,
              new_password: NEW_PASSWORD,
            })
            assert.ok(fieldError(wrong.body, 'current_password'), 'an error next to the password')
            check(wrong, 'POST /account/password wrong', { status: 401 })
          },
        )

        pageTest("/account with the delete form's error (401)", async (check) => {
          const { client } = await member()
          const answer = await client.submit('/account', '/account/delete', { password: WRONG })
          assert.ok(fieldError(answer.body, 'password'), 'an error next to the password')
          check(answer, 'POST /account/delete wrong', { status: 401 })
        })

        pageTest('/account when its password checks reach the limit (429)', async (check) => {
          const { client } = await member()
          for (let i = 0; i < 3; i++) {
            const wrong = await client.submit('/account', '/account/delete', { password: WRONG })
            assert.equal(wrong.statusCode, 401)
          }
          const refused = await client.submit('/account', '/account/delete', {
            password: PASSWORD,
          })
          assert.ok(fieldError(refused.body, 'password'), 'an error saying how long to wait')
          check(refused, 'POST /account/delete over the limit', { status: 429 })
        })

        pageTest('the 404 page, signed out and signed in', async (check) => {
          check(await visitor().get('/nope'), '404 signed out', { status: 404 })
          const { client } = await member()
          check(await client.get('/nope'), '404 signed in', { status: 404 })
        })

        pageTest('the 400 page: a bad form, a bad cursor', async (check) => {
          const { client } = await member()
          // Only the token (the sign-out form's): neither a session nor all-others.
          const { _csrf } = hiddenInputs((await client.get('/account')).body, '/logout')
          const revoke = await client.post('/account/sessions/revoke', { _csrf: _csrf! })
          check(revoke, '400 revoke form', { status: 400 })
          check(await client.get('/?after=abc'), '400 cursor', { status: 400 })
        })

        pageTest('the 400 page of a URL that does not decode', async (check) => {
          check(await visitor().get('/%'), '400 before routing', {
            status: 400,
          })
        })

        pageTest('the 403 page of a forgery: a POST without the token', async (check) => {
          const client = visitor()
          await client.get('/login')
          const answer = await client.post('/login', { username: 'resident', password: PASSWORD })
          check(answer, '403 forgery', { status: 403 })
        })

        pageTest('the 413 page of a body over 64 KiB', async (check) => {
          const client = visitor()
          const answer = await client.submit('/register', '/register', {
            username: 'big',
            password: 'x'.repeat(70 * 1024),
          })
          check(answer, '413', { status: 413 })
        })

        pageTest('the 415 page of a body of another kind', async (check) => {
          const answer = await t.app.inject({
            method: 'POST',
            url: '/login',
            headers: { 'content-type': 'application/xml', 'accept-language': locale },
            payload: '<a/>',
          })
          check(answer, '415', { status: 415 })
        })

        pageTest('the 429 of too many requests from one address', async (check) => {
          const address = addressOfNewVisitor()
          const send = (url: string) =>
            limited.app.inject({
              method: 'GET',
              url,
              remoteAddress: address,
              headers: { 'accept-language': locale },
            })
          for (let i = 0; i < 60; i++) assert.equal((await send('/login')).statusCode, 200)
          check(await send('/login'), '429 page', { status: 429, kind: 'plain' })
          check(await send('/api/v1/session'), '429 API', { status: 429, kind: 'problem' })
        })

        pageTest('the 503 of a full line of password hashes', async (check) => {
          const client = visitor()
          const form = hiddenInputs((await client.get('/login')).body, '/login')
          const release = holdEveryHashPlace()
          let answer: LightMyRequestResponse
          try {
            answer = await client.post('/login', {
              ...form,
              username: freshName(),
              password: PASSWORD,
            })
          } finally {
            release()
          }
          assert.equal(answer.headers['retry-after'], '1')
          check(answer, '503 busy', { status: 503, kind: 'plain' })
        })

        /** Runs `fn` while the database fails as `mode` says. */
        async function whileDatabase<T>(mode: SwitchableDatabase['mode'], fn: () => Promise<T>) {
          down.db.mode = mode
          try {
            return await fn()
          } finally {
            down.db.mode = 'answering'
          }
        }

        pageTest('the 503 of a database that does not answer', async (check) => {
          const client = visitor(down.app)
          const form = hiddenInputs((await client.get('/login')).body, '/login')
          const answer = await whileDatabase('unavailable', () =>
            client.post('/login', { ...form, username: freshName(), password: PASSWORD }),
          )
          assert.equal(answer.headers['retry-after'], '5')
          check(answer, '503 database', { status: 503, kind: 'plain' })
        })

        pageTest('the 500 of an error nobody expected', async (check) => {
          const client = visitor(down.app)
          const form = hiddenInputs((await client.get('/login')).body, '/login')
          const answer = await whileDatabase('broken', () =>
            client.post('/login', { ...form, username: freshName(), password: PASSWORD }),
          )
          check(answer, '500', { status: 500, kind: 'plain' })
        })

        pageTest('/readyz, ready and not', async (check) => {
          const client = visitor(down.app)
          // "ready" is for probes, the same word in every language; the refusal is
          // for the person reading it.
          const ready = await client.get('/readyz')
          assert.equal(ready.statusCode, 200)
          assert.equal(ready.body, 'ready')
          // In English it is a word of the catalog like any other (health.ready).
          if (locale === 'en') check(ready, '/readyz ready', { status: 200, kind: 'plain' })
          const notReady = await whileDatabase('unavailable', () => client.get('/readyz'))
          check(notReady, '/readyz not ready', { status: 503, kind: 'plain' })
        })

        pageTest(
          'two-step verification: setup, codes, the second step of sign-in, confirmation',
          async (check) => {
            const { client, name } = await member()
            const setup = await client.get('/account/two-factor')
            // The key and the recovery codes are random letters: no words to look for.
            NAMES.push(typedKeyOf(setup.body))
            check(setup, 'GET /account/two-factor (setup)', { status: 200 })
            const secret = setupSecretOf(setup.body)
            const hidden = hiddenInputs(setup.body, '/account/two-factor')
            const right = () => codeAt(secret, t.clock.now())
            const wrongCode = () => (right() === '000000' ? '111111' : '000000')
            const wrong = await client.post('/account/two-factor', { ...hidden, code: wrongCode() })
            NAMES.push(typedKeyOf(wrong.body))
            check(wrong, 'POST /account/two-factor wrong code', { status: 401 })
            const on = await client.post('/account/two-factor', { ...hidden, code: right() })
            assert.equal(recoveryCodesOf(on.body).length, 10)
            NAMES.push(...recoveryCodesOf(on.body))
            check(on, 'POST /account/two-factor: the recovery codes', { status: 200 })
            t.clock.advanceSeconds(30)
            check(await client.get('/account/two-factor'), 'GET /account/two-factor (on)', {
              status: 200,
            })
            const renewed = await client.submit(
              '/account/two-factor',
              '/account/two-factor/recovery-codes',
              {},
            )
            NAMES.push(...recoveryCodesOf(renewed.body))
            check(renewed, 'POST new recovery codes', { status: 200 })
            const badDisable = await client.submit(
              '/account/two-factor',
              '/account/two-factor/disable',
              { password: WRONG, code: right() },
            )
            check(badDisable, 'POST disable, wrong password', { status: 401 })

            const other = visitor()
            const first = await other.login(name, PASSWORD)
            assert.equal(first.headers.location, '/login/two-factor')
            check(await other.get('/login/two-factor'), 'GET /login/two-factor', { status: 200 })
            const step = (code: string) =>
              other.submit('/login/two-factor', '/login/two-factor', { code })
            check(await step('not a code'), 'POST /login/two-factor malformed', { status: 400 })
            for (let i = 0; i < 5; i++) {
              check(await step(wrongCode()), 'POST /login/two-factor wrong', { status: 401 })
            }
            check(await step(right()), 'POST /login/two-factor refused', { status: 429 })
            const form = await other.get('/login/two-factor')
            t.clock.advanceSeconds(15 * 60)
            const expired = await other.post('/login/two-factor', {
              ...hiddenInputs(form.body, '/login/two-factor'),
              code: right(),
            })
            check(expired, 'POST /login/two-factor expired', { status: 401 })

            // Past REAUTH_MAX_AGE: the confirmation, and the forms that ask for a code.
            check(await client.get('/account'), 'GET /account, code fields', { status: 200 })
            const confirm = await client.get('/account/confirm?next=%2Faccount')
            check(confirm, 'GET /account/confirm', { status: 200 })
            const badConfirm = await client.submit(
              '/account/confirm?next=%2Faccount',
              '/account/confirm',
              { confirm_password: WRONG },
            )
            check(badConfirm, 'POST /account/confirm wrong password', { status: 401 })
            // No other session to list, so no such form: the page's token is the client's.
            const token = hiddenInputs((await client.get('/account')).body, '/account/password')
            const asked = await client.post('/account/sessions/revoke', {
              ...token,
              'all-others': '1',
            })
            check(asked, 'POST revoke all others, asked to confirm', { status: 401 })
            const noCode = await client.submit('/account', '/account/delete', {
              password: PASSWORD,
              delete_code: wrongCode(),
            })
            check(noCode, 'POST /account/delete wrong code', { status: 401 })
            const confirmed = await client.submit(
              '/account/confirm?next=%2Faccount',
              '/account/confirm',
              { confirm_password: PASSWORD, confirm_code: right() },
            )
            assert.equal(confirmed.statusCode, 303)
            const events = await client.get('/account')
            for (const kind of [
              'two_factor_enabled',
              'two_factor_failed',
              'recovery_codes_renewed',
              'reauthenticated',
            ]) {
              assert.ok(listedEvents(events.body).includes(kind), kind)
            }
            check(events, 'GET /account with the factor events', { status: 200 })
            const off = await client.submit('/account/two-factor', '/account/two-factor/disable', {
              password: PASSWORD,
              code: recoveryCodesOf(renewed.body)[0]!,
            })
            assert.equal(off.statusCode, 303)
            const lost = visitor()
            await lost.login(name, PASSWORD)
            check(await lost.get('/'), 'signed in after turning it off', { status: 200 })
            const recovery = await member()
            const { recoveryCodes } = await enableTwoFactor(recovery.client, t.clock)
            const phoneless = visitor()
            await phoneless.login(recovery.name, PASSWORD)
            await phoneless.submit('/login/two-factor', '/login/two-factor', {
              code: recoveryCodes[0]!,
            })
            const withRecovery = await phoneless.get('/account')
            assert.ok(listedEvents(withRecovery.body).includes('recovery_code_used'))
            check(withRecovery, 'GET /account after a recovery code', { status: 200 })
            const offEvent = await lost.get('/account')
            assert.ok(listedEvents(offEvent.body).includes('two_factor_disabled'))
            check(offEvent, 'GET /account after turning it off', { status: 200 })
          },
        )

        pageTest("the JSON API's problems", async (check) => {
          const api = (app = t.app, headers: Record<string, string> = {}) => ({
            send: (
              method: 'GET' | 'POST' | 'PUT' | 'DELETE',
              url: string,
              body?: unknown,
              extra: Record<string, string> = {},
            ) =>
              app.inject({
                method,
                url,
                remoteAddress: addressOfNewVisitor(),
                headers: {
                  'accept-language': locale,
                  ...(body === undefined ? {} : { 'content-type': 'application/json' }),
                  ...headers,
                  ...extra,
                },
                ...(body === undefined
                  ? {}
                  : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
              }),
          })
          const anyone = api()
          check(await anyone.send('GET', '/api/v1/session'), 'API 401 unauthenticated', {
            status: 401,
            kind: 'problem',
          })
          check(await anyone.send('GET', '/api/v1/nothing'), 'API 404', {
            status: 404,
            kind: 'problem',
          })
          check(
            await anyone.send('POST', '/api/v1/session', { username: 42, remeber: true }),
            'API 400 fields: a wrong type, a missing and an unknown field',
            { status: 400, kind: 'problem' },
          )
          check(
            await anyone.send('POST', '/api/v1/session', {
              username: 'x'.repeat(300),
              password: 'y',
            }),
            'API 400 a field too long',
            { status: 400, kind: 'problem' },
          )
          check(
            await anyone.send('POST', '/api/v1/session', '{"username"'),
            'API 400 broken JSON',
            { status: 400, kind: 'problem' },
          )
          check(
            await anyone.send('POST', '/api/v1/session', 'x', { 'content-type': 'text/plain' }),
            'API 415',
            { status: 415, kind: 'problem' },
          )
          check(
            await anyone.send('POST', '/api/v1/session', {
              username: 'x',
              password: 'y'.repeat(70_000),
            }),
            'API 413',
            { status: 413, kind: 'problem' },
          )
          check(
            await anyone.send(
              'POST',
              '/api/v1/session',
              { username: 'x', password: 'y' },
              { origin: 'https://elsewhere.example' },
            ),
            'API 403 forbidden_origin',
            { status: 403, kind: 'problem' },
          )
          const wrongName = freshName()
          for (let i = 0; i < 3; i++) {
            check(
              await api(t.app).send('POST', '/api/v1/session', {
                username: wrongName,
                password: WRONG,
              }),
              'API 401 invalid_credentials',
              { status: 401, kind: 'problem' },
            )
          }
          const sameAddress = { remoteAddress: '192.0.2.77' }
          for (let i = 0; i < 3; i++) {
            await t.app.inject({
              method: 'POST',
              url: '/api/v1/session',
              ...sameAddress,
              headers: { 'content-type': 'application/json' },
              payload: JSON.stringify({ username: wrongName, password: WRONG }),
            })
          }
          const refused = await t.app.inject({
            method: 'POST',
            url: '/api/v1/session',
            ...sameAddress,
            headers: { 'content-type': 'application/json', 'accept-language': locale },
            payload: JSON.stringify({ username: wrongName, password: WRONG }),
          })
          check(refused, 'API 429', { status: 429, kind: 'problem' })
          check(
            await anyone.send('POST', '/api/v1/session/two-factor', { code: '123456' }),
            'API 401 sign_in_step_expired',
            { status: 401, kind: 'problem' },
          )
          for (const [password, what] of [
            ['short', 'password_too_short'],
            ['password123', 'password_too_common'],
            ['y'.repeat(1100), 'password_too_long'],
          ] as const) {
            check(
              await anyone.send('POST', '/api/v1/users', { username: freshName(), password }),
              `API 400 ${what}`,
              { status: 400, kind: 'problem' },
            )
          }
          check(
            await anyone.send('POST', '/api/v1/users', { username: 'a b', password: PASSWORD }),
            'API 400 username_invalid',
            { status: 400, kind: 'problem' },
          )
          check(
            await anyone.send('POST', '/api/v1/users', {
              username: 'resident',
              password: PASSWORD,
            }),
            'API 409 username_taken',
            { status: 409, kind: 'problem' },
          )
          check(
            await api(closed.app).send('POST', '/api/v1/users', {
              username: freshName(),
              password: PASSWORD,
            }),
            'API 403 registration_closed',
            { status: 403, kind: 'problem' },
          )
          const { client, name } = await member()
          const signedIn = await anyone.send('POST', '/api/v1/session', {
            username: name,
            password: PASSWORD,
            token: true,
          })
          assert.equal(signedIn.statusCode, 201)
          const bearer = api(t.app, { authorization: `Bearer ${JSON.parse(signedIn.body).token}` })
          check(await bearer.send('GET', '/api/v1/members?after=x'), 'API 400 invalid_cursor', {
            status: 400,
            kind: 'problem',
          })
          const otherId = client.jar.get('session')!.split('.')[0]!
          t.clock.advanceSeconds(601)
          check(
            await bearer.send('DELETE', `/api/v1/sessions/${otherId}`),
            'API 401 reauthentication_required',
            { status: 401, kind: 'problem' },
          )
          const factor = await member()
          await enableTwoFactor(factor.client, t.clock)
          t.clock.advanceSeconds(601)
          const withCode = api(t.app, {
            cookie: `session=${factor.client.jar.get('session')}`,
            origin: 'http://localhost:80',
          })
          check(
            await withCode.send('PUT', '/api/v1/password', {
              current_password: PASSWORD,
              new_password: NEW_PASSWORD,
              code: '000000',
            }),
            'API 401 invalid_code',
            { status: 401, kind: 'problem' },
          )
          const release = holdEveryHashPlace()
          try {
            check(
              await anyone.send('POST', '/api/v1/session', {
                username: freshName(),
                password: PASSWORD,
              }),
              'API 503 busy',
              { status: 503, kind: 'problem' },
            )
          } finally {
            release()
          }
          const onDown = api(down.app)
          check(
            await whileDatabase('unavailable', () =>
              onDown.send('POST', '/api/v1/session', { username: freshName(), password: PASSWORD }),
            ),
            'API 503 database',
            { status: 503, kind: 'problem' },
          )
        })

        pageTest(
          "what an operator does: the reset link's pages, a disabled account's right password (403), the events on /account",
          async (check) => {
            const { client, name } = await member()
            const admin = () => ({ db: t.db, policy: t.config.session, now: t.clock.now() })
            const account = await findAccount(admin(), name)
            const issued = await issuePasswordReset(t.db, {
              userId: account!.id,
              clearSecondFactor: true,
              now: t.clock.now(),
            })
            const link = `/password-reset/${issued!.token}`
            const browser = visitor()
            assert.equal((await browser.get(link)).statusCode, 303)
            check(await browser.get('/password-reset'), 'GET /password-reset', { status: 200 })
            const weak = await browser.submit('/password-reset', '/password-reset', {
              new_password: 'short',
            })
            check(weak, 'POST /password-reset, too short (400)', { status: 400 })
            const set = await browser.submit('/password-reset', '/password-reset', {
              new_password: NEW_PASSWORD,
            })
            assert.equal(set.statusCode, 303)
            check(await browser.get(String(set.headers.location)), 'GET /password-reset/done', {
              status: 200,
            })
            check(await browser.get(link), 'GET /password-reset/TOKEN, used (404)', { status: 404 })
            assert.ok((await endSessionsOfAccount(admin(), name)).ok)
            assert.ok((await disableAccount(admin(), name)).ok)
            check(await visitor().login(name, NEW_PASSWORD), 'POST /login, disabled (403)', {
              status: 403,
            })
            const api = await t.app.inject({
              method: 'POST',
              url: '/api/v1/session',
              remoteAddress: addressOfNewVisitor(),
              headers: { 'accept-language': locale, 'content-type': 'application/json' },
              payload: JSON.stringify({ username: name, password: NEW_PASSWORD }),
            })
            check(api, 'API 403 account_disabled', { status: 403, kind: 'problem' })
            assert.ok((await enableAccount(admin(), name)).ok)
            assert.equal((await client.login(name, NEW_PASSWORD)).statusCode, 303)
            const page = await client.get('/account')
            const events = listedEvents(page.body)
            for (const kind of [
              'password_reset_issued',
              'password_reset',
              'sessions_ended_by_operator',
              'account_disabled',
              'sign_in_refused',
              'account_enabled',
            ]) {
              assert.ok(events.includes(kind), `${kind} listed: ${events.join(', ')}`)
            }
            check(page, "GET /account with the operator's events", { status: 200 })
          },
        )

        if (locale === 'en') {
          // Last of the English suite: run alone (a --test-name-pattern that leaves
          // out the tests above) it has nothing to count and fails.
          test('together, the English answers show every word of the English catalog', () => {
            const catalog = [...ENGLISH_CATALOG_WORDS]
            const neverSeen = catalog.filter((word) => !seen.has(word) && !NEVER_SHOWN.has(word))
            assert.deepEqual(
              neverSeen,
              [],
              `${neverSeen.length} of the English catalog's ${catalog.length} words on no English answer of this file: render the messages that hold them, or list them in NEVER_SHOWN with why`,
            )
            const shownAfterAll = [...NEVER_SHOWN.keys()].filter((word) => seen.has(word))
            assert.deepEqual(shownAfterAll, [], 'words of NEVER_SHOWN that an answer did show')
            const gone = [...NEVER_SHOWN.keys()].filter((word) => !ENGLISH_CATALOG_WORDS.has(word))
            assert.deepEqual(gone, [], 'words of NEVER_SHOWN no longer in the English catalog')
          })
        }
      })
    }
  })
}
