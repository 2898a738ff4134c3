import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { LightMyRequestResponse } from 'fastify'
import { en, type Catalog } from '../../src/i18n/en.js'
import { LOCALES, type Locale } from '../../src/i18n/translate.js'
import { zhCN } from '../../src/i18n/zh-CN.js'
import { hiddenInputs, setCookie, TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { htmlLang, languageSwitcher, SPOKEN, switcherNexts } from '../helpers/languages.js'
import { holdEveryHashPlace, startAppOnSwitchableDatabase } from '../helpers/outages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Languages over HTTP (src/http/language.ts, src/i18n/negotiate.ts): the <html lang>
// of each answer, the Vary that keeps caches from mixing languages, the switcher's
// address GET /language/:locale?next= and its links on every page, and the kept blank
// forms (src/http/blank-form.ts) per language. Written for Logon with the zh-CN
// catalog: until it lands, LOCALES is ['en'], Chinese requests get English, and the
// rows about Chinese fail (the first test says why).

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'
const ONE_YEAR_SECONDS = 365 * 86_400

const ENV = {
  // Cheap hashes: these tests are about words, not about hashing.
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3',
}

let nextAddress = 1
/** A client from an address no other client of this file uses: counters stay apart. */
function visitor(t: TestApp, headers: Record<string, string> = {}): TestClient {
  const n = nextAddress++
  return new TestClient(t.app, headers, { remoteAddress: `10.${n >> 8}.${n & 255}.1` })
}

/** Each language's catalog, read at run time: its texts may change, the test does not. */
const CATALOGS: Record<Locale, Catalog> = { en, 'zh-CN': zhCN }

const asking = (locale: Locale) => ({ 'accept-language': locale })
const other = (locale: Locale) => SPOKEN.filter((l) => l !== locale)

function assertVaries(response: LightMyRequestResponse, what: string) {
  const vary = String(response.headers.vary ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
  assert.ok(vary.includes('accept-language'), `${what}: Vary: ${vary.join(', ')}`)
  assert.ok(vary.includes('cookie'), `${what}: Vary: ${vary.join(', ')}`)
}

/** The switcher of a page in `locale`: itself marked, a link to each other language to `next`. */
function assertSwitcher(html: string, locale: Locale, next: string, what: string) {
  const switcher = languageSwitcher(html)
  assert.ok(switcher, `${what}: a language switcher`)
  assert.deepEqual(switcher.current, [locale], `${what}: the page's own language is marked`)
  assert.deepEqual(
    switcher.links.map((link) => link.locale).sort(),
    other(locale).slice().sort(),
    `${what}: a link to each other language`,
  )
  for (const link of switcher.links) {
    assert.equal(link.next, next, `${what}: the link to ${link.locale} comes back to ${next}`)
    assert.equal(link.hreflang, link.locale, `${what}: hreflang of ${link.locale}`)
  }
}

test('LOCALES holds English and Simplified Chinese', () => {
  assert.deepEqual(LOCALES, SPOKEN, 'the zh-CN catalog is not in src/i18n/translate.ts')
})

for (const engine of engines) {
  describe(`languages over HTTP (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: ENV })
      assert.equal((await visitor(t).register('polyglot', PASSWORD)).statusCode, 303)
    })
    after(() => t.close())

    async function signedIn(headers: Record<string, string> = {}): Promise<TestClient> {
      const client = visitor(t, headers)
      assert.equal((await client.login('polyglot', PASSWORD)).statusCode, 303)
      return client
    }

    describe('<html lang> follows the request', () => {
      const rows: Array<[name: string, headers: Record<string, string>, expected: Locale]> = [
        ['no Accept-Language, no cookie', {}, 'en'],
        ['Accept-Language: zh-CN', { 'accept-language': 'zh-CN' }, 'zh-CN'],
        ['Accept-Language: zh', { 'accept-language': 'zh' }, 'zh-CN'],
        [
          'Accept-Language: zh-TW (until a Traditional catalog)',
          { 'accept-language': 'zh-TW' },
          'zh-CN',
        ],
        ['Accept-Language: en-GB', { 'accept-language': 'en-GB' }, 'en'],
        ['Accept-Language: fr', { 'accept-language': 'fr' }, 'en'],
        ['Accept-Language: fr, zh;q=0.5', { 'accept-language': 'fr, zh;q=0.5' }, 'zh-CN'],
        ['Accept-Language: zh;q=0, en', { 'accept-language': 'zh;q=0, en' }, 'en'],
        [
          'a lang cookie of zh-CN with Accept-Language: en',
          { cookie: 'lang=zh-CN', 'accept-language': 'en' },
          'zh-CN',
        ],
        [
          'a lang cookie of en with Accept-Language: zh',
          { cookie: 'lang=en', 'accept-language': 'zh' },
          'en',
        ],
        [
          'an unknown lang cookie (xx) with Accept-Language: zh-CN',
          { cookie: 'lang=xx', 'accept-language': 'zh-CN' },
          'zh-CN',
        ],
      ]
      for (const [name, headers, expected] of rows) {
        test(`${name}: lang="${expected}" on /, /login, /register and the 404 page`, async () => {
          for (const url of ['/', '/login', '/register', '/nope']) {
            const response = await t.app.inject({ method: 'GET', url, headers })
            assert.equal(htmlLang(response.body), expected, url)
          }
        })
      }

      for (const locale of SPOKEN) {
        test(`a signed-in visitor asking for ${locale} gets lang="${locale}" on / and /account`, async () => {
          const client = await signedIn(asking(locale))
          for (const url of ['/', '/account']) {
            const response = await client.get(url)
            assert.equal(response.statusCode, 200, url)
            assert.equal(htmlLang(response.body), locale, url)
          }
        })
      }

      test('the cookie the switcher sets beats Accept-Language on the pages that follow', async () => {
        const client = visitor(t, { 'accept-language': 'en' })
        const toChinese = await client.get('/language/zh-CN?next=/login')
        assert.equal(toChinese.headers.location, '/login')
        assert.equal(htmlLang((await client.get('/login')).body), 'zh-CN')
        assert.equal(htmlLang((await client.get('/')).body), 'zh-CN')
        const chinese = visitor(t, { 'accept-language': 'zh-CN' })
        await chinese.get('/language/en?next=/')
        assert.equal(htmlLang((await chinese.get('/')).body), 'en')
        assert.equal(htmlLang((await chinese.get('/register')).body), 'en')
      })

      test('a URL that does not decode (the 400 made before routing) follows the lang cookie too', async () => {
        // Fastify answers it from frameworkErrors, before the cookie plugin has run.
        const response = await t.app.inject({
          method: 'GET',
          url: '/%',
          headers: { cookie: 'lang=zh-CN', 'accept-language': 'en' },
        })
        assert.equal(response.statusCode, 400)
        assert.equal(htmlLang(response.body), 'zh-CN')
      })
    })

    describe('Vary: Accept-Language, Cookie', () => {
      test('on every page', async () => {
        const client = visitor(t)
        for (const url of ['/', '/login', '/login?next=%2Faccount', '/register']) {
          const response = await client.get(url)
          assert.equal(response.statusCode, 200, url)
          assertVaries(response, url)
        }
        const member = await signedIn()
        for (const url of ['/', '/account', '/login']) {
          const response = await member.get(url)
          assert.equal(response.statusCode, 200, url)
          assertVaries(response, `${url} signed in`)
        }
      })

      test('on the error pages: 404, 400, 403, 413, 415', async () => {
        const client = visitor(t)
        const notFound = await client.get('/nope')
        assert.equal(notFound.statusCode, 404)
        assertVaries(notFound, '404')
        const undecodable = await client.get('/%')
        assert.equal(undecodable.statusCode, 400)
        assertVaries(undecodable, '400 before routing')
        const form = hiddenInputs((await client.get('/login')).body, '/login')
        const badForm = await client.post('/login', form)
        assert.equal(badForm.statusCode, 400)
        assertVaries(badForm, '400 form')
        const forged = await client.post('/login', { username: 'polyglot', password: PASSWORD })
        assert.equal(forged.statusCode, 403)
        assertVaries(forged, '403')
        const tooLarge = await client.post('/login', { ...form, password: 'x'.repeat(70 * 1024) })
        assert.equal(tooLarge.statusCode, 413)
        assertVaries(tooLarge, '413')
        const xml = await t.app.inject({
          method: 'POST',
          url: '/login',
          headers: { 'content-type': 'application/xml' },
          payload: '<a/>',
        })
        assert.equal(xml.statusCode, 415)
        assertVaries(xml, '415')
      })

      test('on the 429 of the sign-in limit and the 401 before it', async () => {
        const client = visitor(t)
        for (let i = 0; i < 3; i++) {
          const failed = await client.login('polyglot', WRONG)
          assert.equal(failed.statusCode, 401)
          assertVaries(failed, '401')
        }
        const refused = await client.login('polyglot', PASSWORD)
        assert.equal(refused.statusCode, 429)
        assertVaries(refused, '429')
      })

      test('on the plain 503 of a full line of password hashes', async () => {
        const client = visitor(t)
        const form = hiddenInputs((await client.get('/login')).body, '/login')
        const release = holdEveryHashPlace()
        let busy: LightMyRequestResponse
        try {
          busy = await client.post('/login', { ...form, username: 'polyglot', password: PASSWORD })
        } finally {
          release()
        }
        assert.equal(busy.statusCode, 503)
        assert.match(String(busy.headers['content-type']), /^text\/plain/)
        assertVaries(busy, '503 busy')
      })

      test('on the plain 503 and 500 of a database that does not answer or fails', async () => {
        const down = await startAppOnSwitchableDatabase(engine, ENV)
        try {
          const client = new TestClient(down.app)
          for (const [mode, status] of [
            ['unavailable', 503],
            ['broken', 500],
          ] as const) {
            const form = hiddenInputs((await client.get('/login')).body, '/login')
            down.db.mode = mode
            const answer = await client.post('/login', {
              ...form,
              username: 'anyone',
              password: PASSWORD,
            })
            down.db.mode = 'answering'
            assert.equal(answer.statusCode, status, mode)
            assert.match(String(answer.headers['content-type']), /^text\/plain/, mode)
            assertVaries(answer, `${status} database ${mode}`)
          }
        } finally {
          await down.close()
        }
      })

      test("on /readyz, which says 'ready' in every language and health.notReady in the request's", async () => {
        const down = await startAppOnSwitchableDatabase(engine, ENV)
        try {
          for (const locale of SPOKEN) {
            const ready = await down.app.inject({
              method: 'GET',
              url: '/readyz',
              headers: asking(locale),
            })
            assert.equal(ready.statusCode, 200, locale)
            // For probes: the same word whatever the language.
            assert.equal(ready.body, 'ready', `${locale}: the ready body`)
            assertVaries(ready, `/readyz ready, ${locale}`)
          }
          down.db.mode = 'unavailable'
          const bodies = new Set<string>()
          for (const locale of SPOKEN) {
            const notReady = await down.app.inject({
              method: 'GET',
              url: '/readyz',
              headers: asking(locale),
            })
            assert.equal(notReady.statusCode, 503, locale)
            assert.equal(
              notReady.body,
              CATALOGS[locale]['health.notReady'],
              `${locale}: the not-ready body is that catalog's health.notReady`,
            )
            assertVaries(notReady, `/readyz not ready, ${locale}`)
            bodies.add(notReady.body)
          }
          assert.equal(bodies.size, SPOKEN.length, 'each language has a refusal of its own')
        } finally {
          await down.close()
        }
      })
    })

    describe('GET /language/:locale?next=', () => {
      for (const locale of SPOKEN) {
        test(`/language/${locale}?next=/account sets lang=${locale} for a year and comes back to /account`, async () => {
          const response = await t.app.inject({
            method: 'GET',
            url: `/language/${locale}?next=/account`,
          })
          assert.equal(response.statusCode, 303)
          assert.equal(response.headers.location, '/account')
          assert.equal(response.headers['cache-control'], 'no-store')
          const cookie = setCookie(response, 'lang')
          assert.ok(cookie, 'a lang cookie is set')
          assert.equal(cookie.value, locale)
          assert.equal(cookie.maxAge, ONE_YEAR_SECONDS)
          assert.equal(cookie.path, '/')
          assert.equal(cookie.httpOnly, true)
          assert.equal(cookie.sameSite, 'Lax')
          assert.notEqual(cookie.secure, true, 'not Secure without COOKIE_SECURE')
        })
      }

      test('with COOKIE_SECURE=true the lang cookie is Secure', async () => {
        const secure = await startTestApp(engine, { env: { ...ENV, COOKIE_SECURE: 'true' } })
        try {
          for (const locale of SPOKEN) {
            const response = await secure.app.inject({
              method: 'GET',
              url: `/language/${locale}?next=/account`,
            })
            assert.equal(response.statusCode, 303, locale)
            assert.equal(response.headers.location, '/account', locale)
            const cookie = setCookie(response, 'lang')
            assert.equal(cookie?.value, locale)
            assert.equal(cookie?.secure, true, locale)
            assert.equal(cookie?.httpOnly, true, locale)
            assert.equal(cookie?.sameSite, 'Lax', locale)
          }
        } finally {
          await secure.close()
        }
      })

      const foreign: Array<[name: string, next: string]> = [
        ['//evil.example', '//evil.example'],
        ['https://evil.example', 'https://evil.example'],
        ['/\\evil.example', '/\\evil.example'],
        ['a bell character: /\\u0007x', '/\u0007x'],
        ['CR LF: /\\r\\nSet-Cookie: x=1', '/\r\nSet-Cookie: x=1'],
        ['a tab: /\\t/evil.example', '/\t/evil.example'],
        ['a C1 control: /\\u0085x', '/\u0085x'],
        ['javascript:alert(1)', 'javascript:alert(1)'],
        ['no leading slash: account', 'account'],
        ['longer than 2048 characters', `/${'a'.repeat(2048)}`],
      ]
      for (const locale of SPOKEN) {
        for (const [name, next] of foreign) {
          test(`/language/${locale} with a next that is not local (${name}) goes to /`, async () => {
            const response = await t.app.inject({
              method: 'GET',
              url: `/language/${locale}?next=${encodeURIComponent(next)}`,
            })
            assert.equal(response.statusCode, 303)
            assert.equal(response.headers.location, '/')
            assert.equal(setCookie(response, 'lang')?.value, locale, 'the language still switches')
          })
        }
      }

      test('a repeated next, or none, goes to /', async () => {
        for (const url of [
          '/language/en?next=/account&next=//evil.example',
          '/language/en',
          '/language/en?next=',
        ]) {
          const response = await t.app.inject({ method: 'GET', url })
          assert.equal(response.statusCode, 303, url)
          assert.equal(response.headers.location, '/', url)
        }
      })

      test('a local next keeps its query: /login?next=%2Faccount', async () => {
        const response = await t.app.inject({
          method: 'GET',
          url: `/language/en?next=${encodeURIComponent('/login?next=%2Faccount')}`,
        })
        assert.equal(response.headers.location, '/login?next=%2Faccount')
      })

      for (const unknown of ['xx', 'fr', 'zh', 'zh-cn', 'EN', 'zh-TW', 'en-GB']) {
        test(`an unknown locale (${unknown}) sets nothing and 303s to next`, async () => {
          const client = visitor(t)
          client.jar.set('lang', 'en')
          const response = await client.get(`/language/${encodeURIComponent(unknown)}?next=/login`)
          assert.equal(response.statusCode, 303)
          assert.equal(response.headers.location, '/login')
          assert.equal(setCookie(response, 'lang'), undefined, 'no lang cookie')
          assert.equal(client.jar.get('lang'), 'en', 'the language chosen before stays')
          const evil = await client.get(
            `/language/${encodeURIComponent(unknown)}?next=//evil.example`,
          )
          assert.equal(evil.headers.location, '/')
        })
      }
    })

    describe('the switcher links to each other language and comes back to the page', () => {
      for (const locale of SPOKEN) {
        const client = () => visitor(t, asking(locale))

        test(`${locale}: GET pages come back to their own address, query included`, async () => {
          const signedOut = client()
          for (const [url, next] of [
            ['/', '/'],
            ['/login', '/login'],
            ['/register', '/register'],
            ['/login?next=%2Faccount', '/login?next=%2Faccount'],
            ['/nope?x=1', '/nope?x=1'],
          ]) {
            const response = await signedOut.get(url!)
            assert.equal(htmlLang(response.body), locale, url)
            assertSwitcher(response.body, locale, next!, `GET ${url}`)
          }
          const member = await signedIn(asking(locale))
          for (const url of ['/', '/?after=1', '/account']) {
            const response = await member.get(url)
            assert.equal(response.statusCode, 200, url)
            assertSwitcher(response.body, locale, url, `GET ${url} signed in`)
          }
        })

        test(`${locale}: a sign-in form's error answer comes back to /login, its next kept`, async () => {
          const answer = await client().login('polyglot', WRONG, { next: '/account' })
          assert.equal(answer.statusCode, 401)
          assertSwitcher(
            answer.body,
            locale,
            '/login?next=%2Faccount',
            'POST /login, wrong password',
          )
          const plain = await client().login('polyglot', WRONG)
          assertSwitcher(plain.body, locale, '/login', 'POST /login without next')
          const forged = await client().post('/login', { username: 'x', password: WRONG })
          assert.equal(forged.statusCode, 403)
          assertSwitcher(forged.body, locale, '/login', 'POST /login without a token')
        })

        test(`${locale}: a registration form's error answer comes back to /register, from /regist too`, async () => {
          const registrar = client()
          for (const action of ['/register', '/regist']) {
            const form = hiddenInputs((await registrar.get('/register')).body, '/register')
            const answer = await registrar.post(action, {
              ...form,
              username: 'x',
              password: 'short',
            })
            assert.equal(answer.statusCode, 400)
            assertSwitcher(answer.body, locale, '/register', `POST ${action}`)
          }
          const regist = await registrar.post('/regist', {
            ...hiddenInputs((await registrar.get('/register')).body, '/register'),
            username: 'polyglot',
            password: PASSWORD,
          })
          assert.equal(regist.statusCode, 409)
          assertSwitcher(regist.body, locale, '/register', 'POST /regist, a name taken')
        })

        test(`${locale}: the account page's error answers come back to /account`, async () => {
          const member = await signedIn(asking(locale))
          const weak = await member.submit('/account', '/account/password', {
            current_password: PASSWORD,
            new_password: 'short',
          })
          assert.equal(weak.statusCode, 400)
          assertSwitcher(weak.body, locale, '/account', 'POST /account/password, too short')
          const wrong = await member.submit('/account', '/account/password', {
            current_password: WRONG,
            new_password: 'another long passphrase here',
          })
          assert.equal(wrong.statusCode, 401)
          assertSwitcher(wrong.body, locale, '/account', 'POST /account/password, wrong')
          const deleting = await member.submit('/account', '/account/delete', { password: WRONG })
          assert.equal(deleting.statusCode, 401)
          assertSwitcher(deleting.body, locale, '/account', 'POST /account/delete, wrong')
          // Only the token (the sign-out form's): neither a session nor all-others.
          const { _csrf } = hiddenInputs((await member.get('/account')).body, '/logout')
          const revoke = await member.post('/account/sessions/revoke', { _csrf: _csrf! })
          assert.equal(revoke.statusCode, 400)
          assertSwitcher(revoke.body, locale, '/account', 'POST /account/sessions/revoke, bad')
        })
      }

      test('the switcher of a page at an address that is no safe next comes back to /', async () => {
        const response = await t.app.inject({ method: 'GET', url: '//evil.example' })
        assert.equal(response.statusCode, 404)
        assert.deepEqual(switcherNexts(response.body), { 'zh-CN': '/' })
      })
    })

    describe('the kept blank forms are per language', () => {
      for (const form of ['/login', '/register']) {
        test(`${form}: a Chinese visitor, then an English one, then again: each in their own language`, async () => {
          const tokens = new Set<string>()
          for (const locale of ['zh-CN', 'en', 'zh-CN', 'en'] as const) {
            for (const headers of [asking(locale), { cookie: `lang=${locale}` }]) {
              const answer = await t.app.inject({ method: 'GET', url: form, headers })
              assert.equal(answer.statusCode, 200)
              assert.equal(htmlLang(answer.body), locale, JSON.stringify(headers))
              assertSwitcher(answer.body, locale, form, `${form} ${JSON.stringify(headers)}`)
              tokens.add(hiddenInputs(answer.body, form)._csrf!)
            }
          }
          assert.equal(tokens.size, 8, 'every visitor has a token of their own')
        })

        test(`${form}?utm=x does not end up in the switcher of later visitors`, async () => {
          // A fresh app: the first render of each kept page is the one that visitor asked for.
          const fresh = await startTestApp(engine, { env: ENV })
          try {
            for (const locale of SPOKEN) {
              const first = await new TestClient(fresh.app, asking(locale)).get(`${form}?utm=x`)
              assert.equal(first.statusCode, 200)
              assertSwitcher(first.body, locale, form, `${form}?utm=x itself`)
              assert.doesNotMatch(first.body, /utm/)
              for (const later of SPOKEN) {
                const answer = await new TestClient(fresh.app, asking(later)).get(form)
                assert.equal(htmlLang(answer.body), later)
                assertSwitcher(answer.body, later, form, `${form} after ${form}?utm=x`)
                assert.doesNotMatch(answer.body, /utm/)
              }
            }
          } finally {
            await fresh.close()
          }
        })
      }
    })
  })
}
