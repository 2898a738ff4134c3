import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import type { Browser, Page } from 'playwright-core'
import { TestClient } from '../helpers/client.js'
import {
  PageProblems,
  axeViolations,
  chromiumSkipReason,
  countByImpact,
  describeViolations,
  followLink,
  launchChromium,
  requireChromium,
  submitForm,
} from '../helpers/browser.js'
import { message } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { codeAt } from '../helpers/two-factor.js'

// The second factor as a person meets it, in Chromium: set up from the account page
// with the key the page shows (the test is the authenticator app, on the server's
// test clock), sign out, sign in with the password and a code, then with a recovery
// code; the database agrees at each step.

const PASSWORD = 'correct horse battery staple'
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))

describe('the second factor in a real browser', { skip: chromiumSkipReason() ?? false }, () => {
  let t: TestApp
  let origin: string
  let browser: Browser
  let page: Page
  let problems: PageProblems

  before(async () => {
    requireChromium()
    await mkdir(RESULTS_DIR, { recursive: true })
    t = await startTestApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    await new TestClient(t.app).register('careful', PASSWORD)
    browser = await launchChromium()
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    page = await context.newPage()
    page.setDefaultTimeout(15_000)
    problems = new PageProblems(page)
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  async function signInWithPassword(): Promise<number> {
    await page.goto(`${origin}/login`)
    await page.getByLabel(message('field.username')).fill('careful')
    await page.getByLabel(message('field.password')).fill(PASSWORD)
    const { postStatus } = await submitForm(
      page,
      page.getByRole('button', { name: message('login.submit'), exact: true }),
    )
    return postStatus
  }

  async function signOut(): Promise<void> {
    await submitForm(page, page.getByRole('button', { name: message('nav.signOut') }))
  }

  async function noSeriousAxeViolations(step: string) {
    const violations = await axeViolations(page)
    const counts = countByImpact(violations)
    assert.equal(counts.serious + counts.critical, 0, `${step}: ${describeViolations(violations)}`)
  }

  let secret: Uint8Array
  let recoveryCodes: string[]

  test('set up from the account page: QR code, key, a first code, ten recovery codes', async () => {
    assert.equal(await signInWithPassword(), 303)
    await page.goto(`${origin}/account`)
    await followLink(page, page.getByRole('link', { name: message('twoFactor.setUp') }))
    assert.equal(new URL(page.url()).pathname, '/account/two-factor')
    const qrWidth = await page
      .locator('img.qr-code')
      .evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth)
    assert.equal(qrWidth, 200, 'the QR code image loaded (the CSP allows it)')
    const typed = (await page.locator('#totp-secret').textContent()) ?? ''
    secret = decodeBase32IgnorePadding(typed.replace(/\s+/g, ''))
    await noSeriousAxeViolations('setup page')
    await page.getByLabel(message('field.code')).fill(codeAt(secret, t.clock.now()))
    const { postStatus } = await submitForm(
      page,
      page.getByRole('button', { name: message('twoFactor.enable') }),
    )
    assert.equal(postStatus, 200)
    recoveryCodes = await page.locator('#recovery-codes code').allTextContents()
    assert.equal(recoveryCodes.length, 10)
    await page.screenshot({ path: `${RESULTS_DIR}/e2e-two-factor-codes.png`, fullPage: true })
    const [row] = await t.db.query<{ enabled: boolean }>(
      `SELECT enabled_at IS NOT NULL AS enabled FROM totp_factors f
         JOIN users u ON u.id = f.user_id WHERE u.username = 'careful'`,
    )
    assert.equal(row?.enabled, true)
    await problems.assertNone('setting up the second factor')
    t.clock.advanceSeconds(30) // the first code's step is spent
  })

  test('signing in asks for a code after the password, and a right one signs in', async () => {
    await signOut()
    assert.equal(await signInWithPassword(), 303)
    assert.equal(new URL(page.url()).pathname, '/login/two-factor')
    await noSeriousAxeViolations('second step')
    await page
      .getByLabel(message('field.code'))
      .fill('000000' === codeAt(secret, t.clock.now()) ? '111111' : '000000')
    const wrong = await submitForm(
      page,
      page.getByRole('button', { name: message('loginTwoFactor.submit') }),
    )
    assert.equal(wrong.postStatus, 401)
    await page.getByLabel(message('field.code')).fill(codeAt(secret, t.clock.now()))
    const right = await submitForm(
      page,
      page.getByRole('button', { name: message('loginTwoFactor.submit') }),
    )
    assert.equal(right.postStatus, 303)
    assert.equal(await page.locator('h1[data-signed-in-as="careful"]').count(), 1)
    await problems.assertNone('signing in with a code')
  })

  test('a recovery code signs in once; the account page counts what is left', async () => {
    await signOut()
    assert.equal(await signInWithPassword(), 303)
    await page.getByLabel(message('field.code')).fill(recoveryCodes[0]!)
    const { postStatus } = await submitForm(
      page,
      page.getByRole('button', { name: message('loginTwoFactor.submit') }),
    )
    assert.equal(postStatus, 303)
    await page.goto(`${origin}/account`)
    assert.ok(
      (await page.content()).includes(message('twoFactor.recoveryLeft', { count: 9 })),
      'nine codes left',
    )
    const [row] = await t.db.query<{ used: number }>(
      'SELECT count(*)::int AS used FROM recovery_codes WHERE used_at IS NOT NULL',
    )
    assert.equal(row?.used, 1)
    await problems.assertNone('signing in with a recovery code')
  })
})
