import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Cookie, Page } from 'playwright-core'
import type { MessageKey } from '../../src/i18n/translate.js'
import {
  PageProblems,
  chromiumSkipReason,
  followLink,
  launchChromium,
  requireChromium,
  submitForm,
} from '../helpers/browser.js'
import { message } from '../helpers/pages.js'
import { userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// One person's visit in a real browser (Chromium): register, sign out, a wrong
// password, sign in with and without "remember me", with the database checked
// after each step. The app runs in-process on an in-memory PGlite database.

const USERNAME = 'Zoë' // not ASCII: the browser's form encoding is part of the journey
const PASSWORD = 'correct horse battery staple'
const COMMON_PASSWORD = 'password123'
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))

interface SessionRow {
  user_id: string
  remember: boolean
}

describe('in a real browser', { skip: chromiumSkipReason() ?? false }, () => {
  let t: TestApp
  let origin: string
  let browser: Browser
  let context: BrowserContext
  let page: Page
  let problems: PageProblems

  before(async () => {
    requireChromium()
    await mkdir(RESULTS_DIR, { recursive: true })
    t = await startTestApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    browser = await launchChromium()
    context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: 'en-US' })
    page = await context.newPage()
    page.setDefaultTimeout(15_000)
    problems = new PageProblems(page)
  })

  after(async () => {
    await context?.close()
    await browser?.close()
    await t?.close()
  })

  const heading = () => page.getByRole('heading', { level: 1 })
  // Found by their labels and names in the catalog, as a person finds them on the page.
  const usernameField = () => page.getByLabel(message('field.username'))
  const passwordField = () => page.getByLabel(message('field.password'))
  const button = (key: MessageKey) => page.getByRole('button', { name: message(key), exact: true })
  const bannerLink = (key: MessageKey) =>
    page.getByRole('banner').getByRole('link', { name: message(key) })
  const sessionRows = () =>
    t.db.query<SessionRow>('SELECT user_id::text, remember FROM sessions ORDER BY created_at')
  async function sessionCookie(): Promise<Cookie | undefined> {
    return (await context.cookies(origin)).find((cookie) => cookie.name === 'session')
  }
  async function userId(): Promise<string> {
    const row = await userRow(t.db, USERNAME)
    assert.ok(row, `a users row for ${USERNAME}`)
    return String(row.id)
  }

  test('the home page links to Register; a too-common password is refused there', async () => {
    const home = await page.goto(`${origin}/`)
    assert.equal(home?.status(), 200)
    assert.match(home.headers()['content-security-policy'] ?? '', /default-src 'none'/)
    assert.equal(await heading().textContent(), message('home.welcome'))

    const register = bannerLink('nav.register')
    await followLink(page, register)
    assert.equal(new URL(page.url()).pathname, '/register')
    assert.equal(await heading().textContent(), message('register.title'))

    await usernameField().fill(USERNAME)
    await passwordField().fill(COMMON_PASSWORD)
    const { postStatus } = await submitForm(page, button('register.submit'))
    assert.equal(postStatus, 400)
    const error = page.locator('#password-error')
    assert.equal(await error.textContent(), message('error.password_too_common'))
    assert.equal(await passwordField().getAttribute('aria-invalid'), 'true')
    assert.equal(await usernameField().inputValue(), USERNAME, 'the username is kept')
    assert.equal(await passwordField().inputValue(), '', 'the password is not echoed')
    await page.screenshot({ path: `${RESULTS_DIR}e2e-register-error.png`, fullPage: true })

    assert.deepEqual(await t.db.query('SELECT id FROM users'), [], 'no account was made')
    await problems.assertNone('the refused registration')
  })

  test('registering signs in: an argon2id hash and one session on the server', async () => {
    await passwordField().fill(PASSWORD)
    const { postStatus, document } = await submitForm(page, button('register.submit'))
    assert.equal(postStatus, 303)
    assert.equal(document?.status(), 200)
    assert.equal(new URL(page.url()).pathname, '/')
    assert.equal(await heading().textContent(), message('home.signedInAs', { name: USERNAME }))
    assert.equal(
      await page.locator('.members .member-name').first().textContent(),
      USERNAME,
      'the new account heads the members list',
    )

    const users = await t.db.query<{ username: string; password_hash: string }>(
      'SELECT username, password_hash FROM users',
    )
    assert.equal(users.length, 1)
    assert.equal(users[0]!.username, USERNAME)
    assert.match(users[0]!.password_hash, /^\$argon2id\$v=19\$/)
    assert.ok(!users[0]!.password_hash.includes(PASSWORD))
    assert.deepEqual(await sessionRows(), [{ user_id: await userId(), remember: false }])

    const cookie = await sessionCookie()
    assert.ok(cookie, 'the browser holds a session cookie')
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.expires, -1, 'without remember me the cookie ends with the browser')
    await problems.assertNone('registration')
  })

  test('signing out ends the session on the server and in the browser', async () => {
    const { postStatus } = await submitForm(page, button('nav.signOut'))
    assert.equal(postStatus, 303)
    assert.equal(new URL(page.url()).pathname, '/')
    assert.equal(await heading().textContent(), message('home.welcome'))
    assert.equal(await page.locator('[data-signed-in-as]').count(), 0)
    assert.equal(await button('nav.signOut').count(), 0)
    assert.deepEqual(await sessionRows(), [])
    assert.equal(await sessionCookie(), undefined, 'the session cookie is deleted')
    await problems.assertNone('sign-out')
  })

  test('a wrong password is refused with the username kept', async () => {
    await followLink(page, bannerLink('nav.signIn'))
    assert.equal(new URL(page.url()).pathname, '/login')
    assert.equal(await heading().textContent(), message('login.title'))

    await usernameField().fill(USERNAME)
    await passwordField().fill('not the password at all')
    const { postStatus } = await submitForm(page, button('login.submit'))
    assert.equal(postStatus, 401)
    // The summary is named by its heading; under it, the form's error.
    const alert = page.getByRole('alert', { name: message('form.errorSummary') })
    assert.equal(await alert.count(), 1)
    assert.equal(await alert.locator('.form-error').textContent(), message('login.failed'))
    assert.equal(
      await page.title(),
      `${message('title.withErrors', { title: message('login.title') })} · Logon`,
    )
    assert.equal(await usernameField().inputValue(), USERNAME)
    assert.equal(await passwordField().inputValue(), '')
    assert.deepEqual(await sessionRows(), [])
    assert.equal(await sessionCookie(), undefined)
    await problems.assertNone('the wrong password')
  })

  test('signing in with "Keep me signed in" makes a remember-me session and cookie', async () => {
    await passwordField().fill(PASSWORD)
    await page.getByLabel(message('login.remember')).check()
    const signedInAt = Date.now() / 1000
    const { postStatus } = await submitForm(page, button('login.submit'))
    assert.equal(postStatus, 303)
    assert.equal(new URL(page.url()).pathname, '/')
    assert.equal(await heading().textContent(), message('home.signedInAs', { name: USERNAME }))
    assert.deepEqual(await sessionRows(), [{ user_id: await userId(), remember: true }])

    const cookie = await sessionCookie()
    assert.ok(cookie, 'the browser holds a session cookie')
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.path, '/')
    assert.equal(cookie.secure, false)
    const lifetime = cookie.expires - signedInAt
    const remember = t.config.session.rememberTimeoutSeconds
    assert.ok(
      Math.abs(lifetime - remember) < 60,
      `the cookie lives SESSION_REMEMBER_TIMEOUT (${remember} s), not ${lifetime} s`,
    )

    await page.screenshot({ path: `${RESULTS_DIR}e2e-signed-in.png`, fullPage: true })
    await problems.assertNone('sign-in with remember me')
  })

  test('signing in again without "Keep me signed in" gives a browser-session cookie', async () => {
    await submitForm(page, button('nav.signOut'))
    await followLink(page, bannerLink('nav.signIn'))
    await usernameField().fill(USERNAME.toUpperCase()) // names compare case-folded
    await passwordField().fill(PASSWORD)
    assert.equal(await page.getByLabel(message('login.remember')).isChecked(), false)
    const { postStatus } = await submitForm(page, button('login.submit'))
    assert.equal(postStatus, 303)
    assert.equal(await heading().textContent(), message('home.signedInAs', { name: USERNAME }))
    assert.deepEqual(await sessionRows(), [{ user_id: await userId(), remember: false }])
    const cookie = await sessionCookie()
    assert.ok(cookie)
    assert.equal(cookie.expires, -1)
    await problems.assertNone('sign-in without remember me')
  })
})
