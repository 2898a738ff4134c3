import assert from 'node:assert/strict'
import { mkdir } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { TestClient } from '../helpers/client.js'
import {
  PageProblems,
  chromiumSkipReason,
  launchChromium,
  requireChromium,
  submitForm,
} from '../helpers/browser.js'
import { message } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Two devices of one person, in two browser contexts: the laptop revokes the
// phone's session from the account page; the database and the phone agree.

const PASSWORD = 'correct horse battery staple'
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const PHONE_DEVICE = message('account.deviceOn', { browser: 'Mobile Safari', os: 'iOS' })
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url))

describe('the account page in a real browser', { skip: chromiumSkipReason() ?? false }, () => {
  let t: TestApp
  let origin: string
  let browser: Browser
  const contexts: BrowserContext[] = []

  before(async () => {
    requireChromium()
    await mkdir(RESULTS_DIR, { recursive: true })
    t = await startTestApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
    // Registered outside the browser; that client's session is ended, so the
    // browser's two are the only ones.
    await new TestClient(t.app).register('traveller', PASSWORD)
    await t.db.query('DELETE FROM sessions')
    await t.caughtUp()
    browser = await launchChromium()
  })

  after(async () => {
    for (const context of contexts) await context.close()
    await browser?.close()
    await t?.close()
  })

  async function signIn(userAgent?: string): Promise<{ page: Page; problems: PageProblems }> {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, userAgent })
    contexts.push(context)
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const problems = new PageProblems(page)
    await page.goto(`${origin}/login`)
    await page.getByLabel(message('field.username')).fill('traveller')
    await page.getByLabel(message('field.password')).fill(PASSWORD)
    const { postStatus } = await submitForm(
      page,
      page.getByRole('button', { name: message('login.submit'), exact: true }),
    )
    assert.equal(postStatus, 303)
    return { page, problems }
  }

  test('the laptop signs the phone out; the phone is signed out at its next request', async () => {
    const laptop = await signIn()
    const phone = await signIn(PHONE_UA)
    const sessions = () => t.db.query<{ id: string }>('SELECT id FROM sessions ORDER BY created_at')
    assert.equal((await sessions()).length, 2)

    await laptop.page.goto(`${origin}/account`)
    const phoneRow = laptop.page.getByRole('row').filter({ hasText: PHONE_DEVICE })
    assert.equal(await phoneRow.count(), 1)
    await laptop.page.screenshot({ path: `${RESULTS_DIR}/e2e-account.png`, fullPage: true })
    const { postStatus } = await submitForm(laptop.page, phoneRow.getByRole('button'))
    assert.equal(postStatus, 303)
    assert.equal(new URL(laptop.page.url()).pathname, '/account')
    assert.equal((await sessions()).length, 1, 'one session row is left')
    assert.equal(await laptop.page.getByRole('row').filter({ hasText: PHONE_DEVICE }).count(), 0)
    assert.ok(
      (await laptop.page.locator('[data-event="session_revoked"]').count()) >= 1,
      'the revocation is among the security events',
    )

    await phone.page.reload()
    assert.equal(
      await phone.page.getByRole('heading', { level: 1 }).textContent(),
      message('home.welcome'),
    )
    await laptop.problems.assertNone('revoking from the account page')
    await phone.problems.assertNone('the phone after revocation')
  })
})
