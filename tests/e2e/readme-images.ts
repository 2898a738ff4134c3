import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdir, stat } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import type { Browser, Page } from 'playwright-core'
import type { Locale } from '../../src/i18n/translate.js'
import {
  contextInLanguage,
  launchChromium,
  requireChromium,
  submitForm,
} from '../helpers/browser.js'
import { TestClient } from '../helpers/client.js'
import { startTestApp } from '../helpers/test-app.js'

// `npm run screenshots`: the README's two images, made again into docs/images/ from
// the app as it is: the sign-in page in English at 1280 px, and the account page in
// Simplified Chinese on a 360 px phone. The app runs in-process on an in-memory
// PGlite database with the tests' fixed clock, so the same code makes the same images.

const IMAGES = fileURLToPath(new URL('../../docs/images/', import.meta.url))
const PASSWORD = 'correct horse battery staple'
const NAME = '林小雨'
const PHONE_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'
const LAPTOP_UA = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0'

/** Chinese text needs a font with its glyphs (Debian: fonts-noto-cjk); without one it shows boxes. */
function warnWithoutChineseFont(): void {
  let families = ''
  try {
    families = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' })
  } catch {
    // No fontconfig: nothing to ask.
  }
  if (families.trim() === '') {
    console.warn(
      'warning: no font with Chinese glyphs was found (fc-list :lang=zh); the Chinese ' +
        'image will show boxes. On Debian: apt-get install fonts-noto-cjk',
    )
  }
}

async function open(
  browser: Browser,
  origin: string,
  locale: Locale,
  options: { width: number; height: number; userAgent?: string },
): Promise<Page> {
  const context = await contextInLanguage(browser, origin, locale, {
    viewport: { width: options.width, height: options.height },
    ...(options.userAgent ? { userAgent: options.userAgent } : {}),
    colorScheme: 'light',
    reducedMotion: 'reduce',
    deviceScaleFactor: 1,
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  return page
}

async function save(page: Page, name: string, locale: Locale): Promise<void> {
  const lang = await page.locator('html').getAttribute('lang')
  if (lang !== locale) {
    console.warn(
      `warning: ${name} was asked for in ${locale} but came back in ${lang}: ` +
        `that catalog is not in this checkout yet; run this again once it is`,
    )
  }
  const path = `${IMAGES}${name}`
  await page.screenshot({ path, fullPage: true })
  console.log(`${path} (${Math.round((await stat(path)).size / 1024)} KiB)`)
}

requireChromium()
warnWithoutChineseFont()
await mkdir(IMAGES, { recursive: true })
const t = await startTestApp('pglite')
let browser: Browser | undefined
try {
  await t.app.listen({ port: 0, host: '127.0.0.1' })
  const origin = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`
  // The account, and a second session of it from a laptop, for the list of sessions.
  const laptop = new TestClient(t.app, { 'user-agent': LAPTOP_UA })
  assert.equal((await laptop.register(NAME, PASSWORD)).statusCode, 303)
  browser = await launchChromium()

  const signIn = await open(browser, origin, 'en', { width: 1280, height: 720 })
  await signIn.goto(`${origin}/login`)
  await save(signIn, 'sign-in-en.png', 'en')

  const phone = await open(browser, origin, 'zh-CN', {
    width: 360,
    height: 740,
    userAgent: PHONE_UA,
  })
  await phone.goto(`${origin}/login`)
  await phone.locator('#username').fill(NAME)
  await phone.locator('#password').fill(PASSWORD)
  const { postStatus } = await submitForm(phone, phone.locator('main button[type="submit"]'))
  assert.equal(postStatus, 303, 'signed in on the phone')
  await phone.goto(`${origin}/account`)
  await save(phone, 'account-zh-CN.png', 'zh-CN')
} finally {
  await browser?.close()
  await t.close()
}
