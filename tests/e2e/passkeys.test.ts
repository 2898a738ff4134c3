import assert from 'node:assert/strict'
import type { FastifyInstance } from 'fastify'
import { createServer, request as httpRequest, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import {
  PageProblems,
  chromiumSkipReason,
  launchChromium,
  requireChromium,
  submitForm,
} from '../helpers/browser.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { message } from '../helpers/pages.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { TEST_SECRET, startTestApp, type TestApp } from '../helpers/test-app.js'

// Passkeys in real Chromium, with its virtual authenticator (DevTools protocol,
// WebAuthn domain): a platform authenticator that keeps discoverable credentials and
// verifies the user without asking. WebAuthn needs a secure context: http://localhost
// is one, so the pages are loaded from "localhost" (not 127.0.0.1), the RP ID of
// PUBLIC_ORIGIN.

const PASSWORD = 'correct horse battery staple'

/** A free port on this machine, for a PUBLIC_ORIGIN known before the app is built. */
async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, 'localhost', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

async function withVirtualAuthenticator(context: BrowserContext, page: Page) {
  const cdp = await context.newCDPSession(page)
  await cdp.send('WebAuthn.enable')
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  })
  const credentials = async () =>
    (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials
  return { credentials }
}

const passkeyRows = (db: Database, username: string) =>
  db.query<{ id: string; name: string; last_used_at: Date | null }>(
    `SELECT p.id, p.name, p.last_used_at FROM passkeys p JOIN users u ON u.id = p.user_id
      WHERE u.username = $1 ORDER BY p.created_at`,
    [username],
  )

/** Registers with a password, then adds a passkey on /account with its button. */
async function registerAndAddPasskey(page: Page, origin: string, username: string) {
  await page.goto(`${origin}/register`)
  await page.getByLabel(message('field.username')).fill(username)
  await page.getByLabel(message('field.password')).fill(PASSWORD)
  const registered = await submitForm(
    page,
    page.getByRole('button', { name: message('register.submit'), exact: true }),
  )
  assert.equal(registered.postStatus, 303)
  // The button appears once the script runs.
  await page.goto(`${origin}/account`)
  const add = page.getByRole('button', { name: message('account.addPasskey') })
  await Promise.all([page.waitForURL(`${origin}/account?passkey=added`), add.click()])
  assert.equal(
    await page.locator('#passkey-notice').textContent(),
    message('account.passkeyAddedNotice'),
  )
  assert.equal(await page.locator('[data-event="passkey_added"]').count(), 1)
}

/**
 * The whole story in one browser: register, add a passkey, sign out, sign in with
 * it, see its last use, rename it, remove it, and be refused with it after.
 */
async function passkeyStory(browser: Browser, origin: string, db: Database, username: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  try {
    // The virtual authenticator answers a conditional (autofill) request at once, as
    // if the person had picked the passkey: the login page would sign in on load. This
    // story takes the button; the autofill has a test of its own.
    await context.addInitScript(
      'PublicKeyCredential.isConditionalMediationAvailable = async () => false',
    )
    const page = await context.newPage()
    page.setDefaultTimeout(15_000)
    const problems = new PageProblems(page)
    const authenticator = await withVirtualAuthenticator(context, page)
    await registerAndAddPasskey(page, origin, username)
    assert.equal((await authenticator.credentials()).length, 1, 'the authenticator holds it')
    const [added] = await passkeyRows(db, username)
    assert.ok(added, 'a passkey row')
    assert.equal(added.last_used_at, null)
    await problems.assertNone('registering and adding a passkey')

    // Sign out, then in with the passkey.
    await submitForm(page, page.getByRole('button', { name: message('nav.signOut') }))
    await page.goto(`${origin}/login?next=/account`)
    const signIn = page.getByRole('button', { name: message('passkey.signIn') })
    await Promise.all([page.waitForURL(`${origin}/account`), signIn.click()])
    const [used] = await passkeyRows(db, username)
    assert.ok(used?.last_used_at, 'its last use is recorded')
    const row = page.locator(`[data-passkey-id="${added.id}"]`)
    assert.notEqual(
      (await row.locator('[data-passkey-last-used]').textContent())?.trim(),
      message('account.passkeyNeverUsed'),
      'the list shows its last use',
    )
    assert.equal(await row.locator('[data-passkey-last-used] time').count(), 1)
    // One line for one sign-in: `signed_in`, as with a password.
    assert.equal(await page.locator('[data-event="passkey_signed_in"]').count(), 0)
    assert.ok((await page.locator('[data-event="signed_in"]').count()) >= 1)
    await problems.assertNone('signing in with the passkey')

    // Rename it.
    await row.getByRole('textbox').fill('My laptop')
    const renamed = await submitForm(
      page,
      row.getByRole('button', { name: message('account.passkeyRename') }),
    )
    assert.equal(renamed.postStatus, 303)
    assert.equal((await passkeyRows(db, username))[0]?.name, 'My laptop')
    await problems.assertNone('renaming the passkey')

    // Remove it.
    const removed = await submitForm(
      page,
      page.getByRole('button', {
        name: message('account.passkeyRemoveLabel', { name: 'My laptop' }),
      }),
    )
    assert.equal(removed.postStatus, 303)
    assert.equal((await passkeyRows(db, username)).length, 0)
    assert.equal(
      await page.locator('#passkey-notice').textContent(),
      message('account.passkeyRemovedNotice'),
    )
    await problems.assertNone('removing the passkey')

    // The authenticator still holds it; the server no longer takes it.
    await submitForm(page, page.getByRole('button', { name: message('nav.signOut') }))
    await page.goto(`${origin}/login`)
    const refused = page.waitForResponse(
      (response) => new URL(response.url()).pathname === '/passkeys/sign-in',
    )
    await page.getByRole('button', { name: message('passkey.signIn') }).click()
    assert.equal((await refused).status(), 401)
    const error = page.locator('#passkey-sign-in [data-passkey-error]')
    await error.waitFor()
    assert.equal(await error.textContent(), message('passkey.refused'))
    assert.equal(new URL(page.url()).pathname, '/login')
  } finally {
    await context.close()
  }
}

describe('passkeys in a real browser', { skip: chromiumSkipReason() ?? false }, () => {
  let t: TestApp
  let origin: string
  let browser: Browser

  before(async () => {
    requireChromium()
    const port = await freePort()
    origin = `http://localhost:${port}`
    t = await startTestApp('pglite', { env: { PUBLIC_ORIGIN: origin } })
    await t.app.listen({ port, host: 'localhost' })
    browser = await launchChromium()
  })

  after(async () => {
    await browser?.close()
    await t?.close()
  })

  test('add a passkey, sign in with it, rename it, remove it, and be refused with it', async () => {
    await passkeyStory(browser, origin, t.db, 'keyholder')
  })

  test('with autofill (conditional mediation), the passkey is offered on the username field', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      page.setDefaultTimeout(15_000)
      const problems = new PageProblems(page)
      await withVirtualAuthenticator(context, page)
      await registerAndAddPasskey(page, origin, 'autofiller')
      await submitForm(page, page.getByRole('button', { name: message('nav.signOut') }))
      const html = await (await page.request.get(`${origin}/login`)).text()
      assert.match(html, /<input[^>]*name="username"[^>]*autocomplete="username webauthn"/)
      // The virtual authenticator picks the passkey the page's autofill request
      // offers, as a person choosing it from the field's suggestions would.
      const signIn = page.waitForResponse(
        (response) => new URL(response.url()).pathname === '/passkeys/sign-in',
      )
      await page.goto(`${origin}/login?next=/account`)
      assert.equal((await signIn).status(), 200)
      await page.waitForURL(`${origin}/account`)
      assert.ok((await passkeyRows(t.db, 'autofiller'))[0]?.last_used_at)
      await problems.assertNone('signing in through autofill')
    } finally {
      await context.close()
    }
  })

  test('past REAUTH_MAX_AGE, removing a passkey asks to confirm, and the passkey confirms', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      page.setDefaultTimeout(15_000)
      const problems = new PageProblems(page)
      await withVirtualAuthenticator(context, page)
      await registerAndAddPasskey(page, origin, 'confirmer')
      const [added] = await passkeyRows(t.db, 'confirmer')
      assert.ok(added)
      t.clock.advanceSeconds(t.config.session.reauthMaxAgeSeconds + 1)
      // The removal is answered in place with the confirmation form.
      const asked = await submitForm(
        page,
        page.getByRole('button', {
          name: message('account.passkeyRemoveLabel', { name: added.name }),
        }),
      )
      assert.equal(asked.postStatus, 401)
      assert.equal(
        await page.getByRole('heading', { level: 1 }).textContent(),
        message('confirm.title'),
      )
      assert.equal((await passkeyRows(t.db, 'confirmer')).length, 1, 'not removed yet')
      // No password typed: the passkey confirms, and the removal goes on.
      const confirm = page.getByRole('button', { name: message('confirm.withPasskey') })
      await Promise.all([page.waitForURL(`${origin}/account?passkey=removed`), confirm.click()])
      assert.equal((await passkeyRows(t.db, 'confirmer')).length, 0)
      assert.equal(
        await page.locator('#passkey-notice').textContent(),
        message('account.passkeyRemovedNotice'),
      )
      assert.equal(await page.locator('[data-event="reauthenticated"]').count(), 1)
      await problems.assertNone('confirming with the passkey')
    } finally {
      await context.close()
    }
  })

  test('the login page without JavaScript: no passkey button, the password form works', async () => {
    const context = await browser.newContext({ javaScriptEnabled: false })
    try {
      const page = await context.newPage()
      await page.goto(`${origin}/login`)
      assert.equal(await page.getByRole('button', { name: message('passkey.signIn') }).count(), 0)
      await page.getByLabel(message('field.username')).fill('keyholder')
      await page.getByLabel(message('field.password')).fill(PASSWORD)
      const { postStatus } = await submitForm(
        page,
        page.getByRole('button', { name: message('login.submit'), exact: true }),
      )
      assert.equal(postStatus, 303)
      await page.goto(`${origin}/account`)
      assert.equal(
        await page.getByRole('button', { name: message('account.addPasskey') }).count(),
        0,
      )
    } finally {
      await context.close()
    }
  })
})

/**
 * A load balancer in front of two instances that sends each ceremony's two halves to
 * different instances: the options (and every page) to A, the verifications to B.
 */
async function splittingProxy(a: number, b: number) {
  const seen: { path: string; instance: 'A' | 'B' }[] = []
  const server: Server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '/').split('?')[0]!
    const toB =
      incoming.method === 'POST' && (path === '/passkeys/sign-in' || path === '/account/passkeys')
    seen.push({ path, instance: toB ? 'B' : 'A' })
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: toB ? b : a,
        method: incoming.method,
        path: incoming.url,
        headers: incoming.headers,
      },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(outgoing)
      },
    )
    upstream.on('error', () => outgoing.destroy())
    incoming.pipe(upstream)
  })
  return { server, seen }
}

describe(
  'passkeys across two instances on one PostgreSQL database',
  { skip: chromiumSkipReason() ?? (TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set') },
  () => {
    let schema: TestSchema
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    let proxy: Awaited<ReturnType<typeof splittingProxy>>
    let origin: string
    let browser: Browser

    before(async () => {
      requireChromium()
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_pair_')
      for (let i = 0; i < 2; i++) {
        dbs.push(openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options }))
      }
      await migrate(dbs[0]!)
      const port = await freePort()
      origin = `http://localhost:${port}`
      // Both instances serve the one public origin: the proxy's.
      const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_ORIGIN: origin })
      for (const db of dbs) {
        const app = await buildApp({ config, db, secret: TEST_SECRET })
        await app.listen({ port: 0, host: '127.0.0.1' })
        apps.push(app)
      }
      const [a, b] = apps.map((app) => (app.server.address() as AddressInfo).port)
      proxy = await splittingProxy(a!, b!)
      await new Promise<void>((done) => proxy.server.listen(port, 'localhost', done))
      browser = await launchChromium()
    })

    after(async () => {
      await browser?.close()
      proxy?.server.closeAllConnections()
      await new Promise((done) => proxy?.server.close(done))
      for (const app of apps) await app.close()
      for (const db of dbs) await db.close()
      await schema?.drop()
    })

    test('each ceremony begun on instance A is finished on instance B', async () => {
      await passkeyStory(browser, origin, dbs[0]!, 'traveller')
      const on = (path: string) => [
        ...new Set(proxy.seen.filter((s) => s.path === path).map((s) => s.instance)),
      ]
      assert.deepEqual(on('/account/passkeys/options'), ['A'])
      assert.deepEqual(on('/account/passkeys'), ['B'])
      assert.deepEqual(on('/passkeys/sign-in/options'), ['A'])
      assert.deepEqual(on('/passkeys/sign-in'), ['B'])
    })
  },
)
