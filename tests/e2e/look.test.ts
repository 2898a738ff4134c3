import assert from 'node:assert/strict'
import { mkdir, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test, type TestContext } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { LOCALES, type Locale } from '../../src/i18n/translate.js'
import {
  PageProblems,
  axeViolations,
  chromiumSkipReason,
  contextInLanguage,
  countByImpact,
  describeViolations,
  launchChromium,
  requireChromium,
  submitForm,
  type AxeImpact,
  type AxeViolation,
} from '../helpers/browser.js'
import { TestClient } from '../helpers/client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Every page, in each language, in a real browser: axe-core finds no serious or
// critical accessibility fault (light and dark), nothing is wider than a 360 px
// phone, a form that comes back with errors has its summary focused and linked to
// its fields (whose label, input and hint keep their places), and each page is saved
// as a screenshot at 360 and 1280 px under test-results/screenshots/. The pages:
// home signed out and in, sign-in (blank, 401, 429), registration (blank, 400, 409,
// and the 403 of an app with REGISTRATION=closed), the account page (blank, its
// password form's 400 and 401, its delete form's 401), and the error pages 400 (a
// bad cursor, a URL that does not decode), 403 (a form without its token), 404, 413.
// Elements are found by id and form action, not by their words: the same steps run
// in every language.
//
// The languages are named here rather than taken from LOCALES: a language whose
// catalog has not landed yet is answered in English (lang="en"), and its pages are
// still checked and shot, so the test is ready for it.

const LANGUAGES: Locale[] = ['en', 'zh-CN']
const PASSWORD = 'correct horse battery staple'
const WIDTHS = [1280, 360] as const
const HEIGHT = 800
const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url))
const AXE_SUMMARY = fileURLToPath(new URL('../../test-results/axe.json', import.meta.url))
// Small limits from the environment so that the page of too many attempts (429)
// comes after two wrong passwords; the account page's two wrong passwords (one in the
// password form, one in the delete form) make two failures, the most that still
// answer 401.
const LIMITS = { SIGN_IN_FAILURES_PER_NAME_ADDRESS: '2' }

type Counts = Record<AxeImpact, number>
const results: { locale: Locale; page: string; light: Counts; dark: Counts; phone: Counts }[] = []

describe(
  'the look of every page in a real browser',
  { skip: chromiumSkipReason() ?? false },
  () => {
    let t: TestApp
    let origin: string
    /** An app with REGISTRATION=closed, for its 403 registration page. */
    let closed: TestApp
    let closedOrigin: string
    let browser: Browser

    before(async () => {
      requireChromium()
      await rm(SCREENSHOTS, { recursive: true, force: true }) // no shot of a page gone since
      await mkdir(SCREENSHOTS, { recursive: true })
      t = await startTestApp('pglite', { env: LIMITS })
      await t.app.listen({ port: 0, host: '127.0.0.1' })
      origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
      closed = await startTestApp('pglite', { env: { ...LIMITS, REGISTRATION: 'closed' } })
      await closed.app.listen({ port: 0, host: '127.0.0.1' })
      closedOrigin = `http://127.0.0.1:${(closed.app.server.address() as AddressInfo).port}`
      // Each language's reader, registered outside the browser (that session stays:
      // the account page then lists another session, with its button).
      for (const locale of LANGUAGES) {
        const response = await new TestClient(t.app).register(readerOf(locale), PASSWORD)
        assert.equal(response.statusCode, 303)
      }
      browser = await launchChromium()
    })

    after(async () => {
      await browser?.close()
      await t?.close()
      await closed?.close()
      if (results.length > 0) await writeFile(AXE_SUMMARY, `${JSON.stringify(results, null, 2)}\n`)
    })

    for (const locale of LANGUAGES) {
      describe(`in ${locale}`, () => {
        let context: BrowserContext
        let page: Page
        let problems: PageProblems
        // The page's language: the locale once its catalog exists, English until then.
        const lang = LOCALES.includes(locale) ? locale : 'en'

        before(async () => {
          context = await contextInLanguage(browser, origin, locale, {
            viewport: { width: WIDTHS[0], height: HEIGHT },
            // No transitions: axe reads colours at once after the scheme changes.
            reducedMotion: 'reduce',
          })
          page = await context.newPage()
          page.setDefaultTimeout(15_000)
          problems = new PageProblems(page)
        })
        after(() => context?.close())

        /**
         * The page as it stands: its language, no problem reported by the browser, no
         * serious or critical axe violation at 1280 px (light, then dark for contrast)
         * nor at 360 px, nothing wider than the phone, and a screenshot at each width.
         */
        async function check(tc: TestContext, name: string): Promise<void> {
          assert.equal(await page.locator('html').getAttribute('lang'), lang)
          await problems.assertNone(name)
          const light = await axeViolations(page)
          await page.emulateMedia({ colorScheme: 'dark' })
          const dark = await axeViolations(page, { rules: ['color-contrast'] })
          await page.emulateMedia({ colorScheme: 'light' })
          const file = (width: number) => `${SCREENSHOTS}${name}-${locale}-${width}.png`
          await page.screenshot({ path: file(WIDTHS[0]), fullPage: true })
          await page.setViewportSize({ width: WIDTHS[1], height: HEIGHT })
          const phone = await axeViolations(page)
          const overflow = await page.evaluate<number>(
            'document.documentElement.scrollWidth - document.documentElement.clientWidth',
          )
          await page.screenshot({ path: file(WIDTHS[1]), fullPage: true })
          await page.setViewportSize({ width: WIDTHS[0], height: HEIGHT })

          const all = { light, dark, phone }
          results.push({
            locale,
            page: name,
            light: countByImpact(light),
            dark: countByImpact(dark),
            phone: countByImpact(phone),
          })
          for (const [where, violations] of Object.entries(all)) {
            const minor = violations.filter((v) => !isSerious(v))
            if (minor.length > 0) tc.diagnostic(`${where}: ${describeViolations(minor)}`)
          }
          for (const [where, violations] of Object.entries(all)) {
            const serious = violations.filter(isSerious)
            assert.deepEqual(
              serious,
              [],
              `${name} (${locale}, ${where}):\n${describeViolations(serious)}`,
            )
          }
          assert.ok(
            overflow <= 0,
            `${name} (${locale}) is ${overflow} px wider than a 360 px screen`,
          )
        }

        async function visit(path: string, status = 200, at = origin): Promise<void> {
          const response = await page.goto(`${at}${path}`)
          assert.equal(response?.status(), status, `${at}${path}`)
        }

        async function submit(action: string, fields: Record<string, string>): Promise<number> {
          const form = page.locator(`main form[action="${action}"]`)
          for (const [id, value] of Object.entries(fields)) await form.locator(`#${id}`).fill(value)
          return (await submitForm(page, form.locator('button[type="submit"]'))).postStatus
        }

        test('signed out: home, sign-in, registration', async (tc) => {
          await visit('/')
          await check(tc, 'home-signed-out')
          await visit('/login')
          await check(tc, 'sign-in')
          await visit('/register')
          await check(tc, 'register')
        })

        test('registration errors: a summary linked to the fields, the fields in place', async (tc) => {
          await visit('/register')
          const blank = await fieldGeometry(page, ['username', 'password'])
          assert.equal(await submit('/register', { username: 'a', password: 'password123' }), 400)
          await assertErrorSummary(page, '/register', ['username', 'password'])
          const refused = await fieldGeometry(page, ['username', 'password'])
          for (const id of ['username', 'password']) {
            assert.deepEqual(
              refused[id],
              blank[id],
              `#${id}: label, input and hint keep their places`,
            )
          }
          await check(tc, 'register-errors')

          // A link of the summary takes focus to its field, the label still in view.
          await page.locator('.error-summary a[href="#password"]').click()
          assert.equal(await page.evaluate('document.activeElement.id'), 'password')
          assert.ok(await page.locator('label[for="password"]').isVisible())
          assert.ok(
            (await page.locator('label[for="password"]').boundingBox())!.y >= 0,
            'the label is not scrolled away',
          )
        })

        test('registration of a name already taken (409)', async (tc) => {
          await visit('/register')
          const blank = await fieldGeometry(page, ['username'])
          // The reader's own name in capitals: the same name, taken.
          const taken = readerOf(locale).toUpperCase()
          assert.equal(await submit('/register', { username: taken, password: PASSWORD }), 409)
          await assertErrorSummary(page, '/register', ['username'])
          assert.deepEqual((await fieldGeometry(page, ['username'])).username, blank.username)
          await check(tc, 'register-name-taken')
        })

        test('registration closed (403)', async (tc) => {
          // The lang cookie is the host's (127.0.0.1), whatever the port: the closed
          // app reads the same one, and check() asserts the page's lang.
          await visit('/register', 403, closedOrigin)
          assert.equal(await page.locator('#registration-closed').count(), 1)
          await check(tc, 'registration-closed')
        })

        test('error pages: a URL that does not decode (400), a form without its token (403), a body too large (413)', async (tc) => {
          await visit('/%', 400)
          await check(tc, 'bad-url')

          // The sign-in form with its anti-forgery token taken out, as a forged form
          // from another site would come.
          await visit('/login')
          await page.evaluate(
            `document.querySelector('main form[action="/login"] input[name="_csrf"]').remove()`,
          )
          assert.equal(
            await submit('/login', { username: readerOf(locale), password: PASSWORD }),
            403,
          )
          await check(tc, 'forbidden')

          // A password of 70 KiB: the form's body is over the 64 KiB limit.
          await visit('/register')
          assert.equal(
            await submit('/register', { username: 'big', password: 'x'.repeat(70 * 1024) }),
            413,
          )
          await check(tc, 'too-large')
        })

        test('sign-in errors: a wrong password, then too many attempts (429)', async (tc) => {
          const stranger = `nobody_${locale.toLowerCase().replace('-', '_')}`
          await visit('/login')
          assert.equal(await submit('/login', { username: stranger, password: 'not it' }), 401)
          await assertErrorSummary(page, '/login', [])
          await check(tc, 'sign-in-error')
          assert.equal(await submit('/login', { username: stranger, password: 'not it' }), 401)
          assert.equal(await submit('/login', { username: stranger, password: 'not it' }), 429)
          await assertErrorSummary(page, '/login', [])
          await check(tc, 'too-many-attempts')
        })

        test('a page that does not exist (404)', async (tc) => {
          await visit('/no-such-page', 404)
          await check(tc, 'not-found')
        })

        test('signed in: home, the account page and its two forms with errors', async (tc) => {
          await visit('/login')
          assert.equal(
            await submit('/login', { username: readerOf(locale), password: PASSWORD }),
            303,
          )
          assert.equal(new URL(page.url()).pathname, '/')
          await check(tc, 'home-signed-in')
          await visit('/?after=abc', 400) // a cursor of the members' list that is no id
          await check(tc, 'bad-request')
          await visit('/account')
          await check(tc, 'account')

          // A too-common new password: its error comes under its hint.
          const blankBoth = await fieldGeometry(page, ['current_password', 'new_password'])
          const blank = { new_password: blankBoth.new_password }
          const status = await submit('/account/password', {
            current_password: PASSWORD,
            new_password: 'password123',
          })
          assert.equal(status, 400)
          await assertErrorSummary(page, '/account/password', ['new_password'])
          assert.deepEqual(
            (await fieldGeometry(page, ['new_password'])).new_password,
            blank.new_password,
          )
          await check(tc, 'account-password-error')

          // The current password wrong: its error comes under it, and the fields stay.
          assert.equal(
            await submit('/account/password', {
              current_password: 'not my password',
              new_password: 'another long and uncommon passphrase',
            }),
            401,
          )
          await assertErrorSummary(page, '/account/password', ['current_password'])
          const wrong = await fieldGeometry(page, ['current_password', 'new_password'])
          assert.deepEqual(wrong.current_password, blankBoth.current_password)
          assert.deepEqual(wrong.new_password, blankBoth.new_password)
          await check(tc, 'account-password-wrong')

          assert.equal(await submit('/account/delete', { password: 'not my password' }), 401)
          await assertErrorSummary(page, '/account/delete', ['password'])
          await check(tc, 'account-delete-error')
        })
      })
    }
  },
)

function readerOf(locale: Locale): string {
  return `reader_${locale.toLowerCase().replace('-', '_')}`
}

function isSerious(violation: AxeViolation): boolean {
  return violation.impact === 'serious' || violation.impact === 'critical'
}

/**
 * The form that came back: its error summary has focus (autofocus, no script), is the
 * page's one alert, and links to exactly the fields marked invalid, each described by
 * its error first.
 */
async function assertErrorSummary(page: Page, action: string, fields: string[]): Promise<void> {
  const summary = page.locator(`form[action="${action}"] .error-summary`)
  assert.equal(await summary.count(), 1, `one error summary in the form posting to ${action}`)
  assert.equal(await page.getByRole('alert').count(), 1, 'the summary is the one alert')
  assert.equal(
    await page.evaluate('document.activeElement.classList.contains("error-summary")'),
    true,
    'the summary has focus',
  )
  const links = await page.evaluate<string[]>(
    `[...document.querySelectorAll('form[action="${action}"] .error-summary a')].map((a) => a.getAttribute('href'))`,
  )
  assert.deepEqual(
    links,
    fields.map((id) => `#${id}`),
  )
  for (const id of fields) {
    const input = page.locator(`#${id}`)
    assert.equal(await input.getAttribute('aria-invalid'), 'true', `#${id} is marked invalid`)
    const describedBy = (await input.getAttribute('aria-describedby')) ?? ''
    assert.equal(describedBy.split(' ')[0], `${id}-error`, `#${id} is described by its error first`)
    assert.equal(
      (await page.locator(`#${id}-error`).textContent())?.trim(),
      (await summary.locator(`a[href="#${id}"]`).textContent())?.trim(),
      `the summary says what the field says`,
    )
  }
}

/**
 * Where a field's label, input and hint sit, relative to the field's top: the same
 * on the blank form and on the form with an error, when the error is added below.
 * This is the check that a form's fields do not move. (No layout-shift measure: the
 * pages have no script and no web font, so Chromium's cumulative layout shift is 0
 * on every one of them whatever the CSS does; it could not fail.)
 */
async function fieldGeometry(page: Page, ids: string[]): Promise<Record<string, number[]>> {
  const geometry: Record<string, number[]> = {}
  for (const id of ids) {
    geometry[id] = await page.evaluate<number[]>(`(() => {
      const input = document.getElementById(${JSON.stringify(id)})
      const field = input.closest('.field')
      const top = field.getBoundingClientRect().top
      const parts = [field.querySelector('label'), input, document.getElementById(${JSON.stringify(`${id}-hint`)})]
      return parts.filter(Boolean).flatMap((part) => {
        const box = part.getBoundingClientRect()
        return [Math.round(box.top - top), Math.round(box.height)]
      })
    })()`)
  }
  return geometry
}
