import axe from 'axe-core'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import {
  chromium,
  type Browser,
  type BrowserContext,
  type ConsoleMessage,
  type Locator,
  type Page,
  type Response,
} from 'playwright-core'
import { LANGUAGE_COOKIE } from '../../src/i18n/negotiate.js'
import type { Locale } from '../../src/i18n/translate.js'

// Real-browser tests drive the system Chromium (Debian's `chromium` package):
// `npx playwright install` needs the internet, so the browser is not downloaded.

export const CHROMIUM_PATH = '/usr/bin/chromium'

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

const INSTALL_HINT = `install it with: apt-get update && apt-get install -y chromium`

/**
 * Why the browser tests cannot run here, or undefined when they can. Without
 * Chromium a local run skips them; a CI run (CI=true) must not pass silently, so
 * `requireChromium` makes it fail instead.
 */
export function chromiumSkipReason(): string | undefined {
  if (existsSync(CHROMIUM_PATH)) return undefined
  if (process.env.CI === 'true') return undefined // fails in requireChromium
  return `Chromium is not installed at ${CHROMIUM_PATH}; ${INSTALL_HINT} (with CI=true this is a failure)`
}

export function requireChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `CI=true but Chromium is not installed at ${CHROMIUM_PATH}, so the browser tests cannot run; ${INSTALL_HINT}`,
    )
  }
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: LAUNCH_ARGS })
}

/**
 * Collects what the page reports as a problem: console errors (Chromium logs every
 * Content-Security-Policy violation and every failed sub-resource as one) and
 * uncaught page errors. A form page answered with 4xx on purpose (a validation
 * error, a wrong password) makes Chromium log "Failed to load resource: … status
 * of 4xx" for the document itself; the test asserts that status, so exactly that
 * message, for that document URL and status, is not counted. A failed stylesheet
 * or any other sub-resource still is.
 */
export class PageProblems {
  private readonly problems: string[] = []
  private readonly documentStatuses = new Map<string, Set<number>>()

  constructor(private readonly page: Page) {
    page.on('response', (response) => {
      const request = response.request()
      if (!request.isNavigationRequest() || request.frame() !== page.mainFrame()) return
      const statuses = this.documentStatuses.get(response.url()) ?? new Set<number>()
      statuses.add(response.status())
      this.documentStatuses.set(response.url(), statuses)
    })
    page.on('console', (message) => {
      if (message.type() !== 'error' || this.isDocumentStatus(message)) return
      const where = message.location().url || page.url()
      this.problems.push(`console error at ${where}: ${shortenDataUrls(message.text())}`)
    })
    page.on('pageerror', (error) => this.problems.push(`page error: ${error.message}`))
  }

  private isDocumentStatus(message: ConsoleMessage): boolean {
    const match = /^Failed to load resource: the server responded with a status of (\d{3})\b/.exec(
      message.text(),
    )
    if (!match) return false
    return this.documentStatuses.get(message.location().url)?.has(Number(match[1])) ?? false
  }

  /**
   * Fails with every problem reported since the last call. Two animation frames
   * first, so what the last page's styles load (and a CSP may block) is reported
   * with the step that showed it.
   */
  async assertNone(step: string): Promise<void> {
    // A string: this project's TypeScript has no DOM types.
    await this.page.evaluate(
      'new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))',
    )
    const found = this.problems.splice(0)
    assert.deepEqual(found, [], `the browser reported problems during: ${step}`)
  }
}

/** A CSP report quotes a blocked data: URL whole; its first characters say enough. */
function shortenDataUrls(text: string): string {
  return text.replace(/'(data:[^,']{0,40},)[\s\S]*?' violates/g, "'$1…' violates")
}

/**
 * Clicks a form's submit button and waits for the page it leads to. Returns the
 * status of the POST itself (303 after a successful write, else the form's 4xx)
 * and the document finally shown.
 */
export async function submitForm(
  page: Page,
  button: Locator,
): Promise<{ postStatus: number; document: Response | null }> {
  const post = page.waitForResponse(
    (response) =>
      response.request().method() === 'POST' && response.request().isNavigationRequest(),
  )
  const [postResponse, document] = await Promise.all([
    post,
    page.waitForNavigation({ waitUntil: 'load' }),
    button.click(),
  ])
  return { postStatus: postResponse.status(), document }
}

/** Follows a link and waits for the page it leads to. */
export async function followLink(page: Page, link: Locator): Promise<Response | null> {
  const [document] = await Promise.all([
    page.waitForNavigation({ waitUntil: 'load' }),
    link.click(),
  ])
  return document
}

/** A browser context whose pages ask for `locale` through the `lang` cookie, as the switcher sets it. */
export async function contextInLanguage(
  browser: Browser,
  origin: string,
  locale: Locale,
  options: Parameters<Browser['newContext']>[0] = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options)
  await context.addCookies([{ name: LANGUAGE_COOKIE, value: locale, url: origin }])
  return context
}

export type AxeImpact = 'minor' | 'moderate' | 'serious' | 'critical'

export interface AxeViolation {
  id: string
  impact: AxeImpact | null
  help: string
  /** CSS selectors of the elements at fault (the first few). */
  targets: string[]
}

/**
 * The axe-core rules a page breaks, as the page stands. axe is evaluated in the page
 * through the DevTools protocol (page.evaluate): the pages' CSP (default-src 'none')
 * refuses an inline <script>, so page.addScriptTag({ content }) fails, and the CSP
 * stays as it is for everything else the test sees.
 */
export async function axeViolations(
  page: Page,
  { rules }: { rules?: string[] } = {},
): Promise<AxeViolation[]> {
  if ((await page.evaluate('typeof window.axe')) !== 'object') await page.evaluate(axe.source)
  const options = JSON.stringify({
    resultTypes: ['violations'],
    ...(rules ? { runOnly: { type: 'rule', values: rules } } : {}),
  })
  // A string: this project's TypeScript has no DOM types.
  return page.evaluate<AxeViolation[]>(
    `axe.run(document, ${options}).then((results) => results.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((node) => node.target.join(' ')),
    })))`,
  )
}

/** Counts of violations by impact, each violation counted once however many elements it names. */
export function countByImpact(violations: AxeViolation[]): Record<AxeImpact, number> {
  const counts: Record<AxeImpact, number> = { critical: 0, serious: 0, moderate: 0, minor: 0 }
  for (const violation of violations) counts[violation.impact ?? 'minor'] += 1
  return counts
}

export function describeViolations(violations: AxeViolation[]): string {
  return violations
    .map((v) => `${v.impact ?? '?'} ${v.id}: ${v.help} (${v.targets.join(', ')})`)
    .join('\n')
}
