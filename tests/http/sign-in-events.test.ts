import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// The security events written by registration and sign-in (issue 3 "Auth events").

const PASSWORD = 'a long and uncommon passphrase'
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'

interface EventRow {
  kind: string
  username: string | null
  ip: string | null
  user_agent: string | null
  occurred_at: Date
}

async function events(t: TestApp): Promise<EventRow[]> {
  return t.db.query<EventRow>(
    `SELECT e.kind, u.username, e.ip, e.user_agent, e.occurred_at
       FROM auth_events e LEFT JOIN users u ON u.id = e.user_id ORDER BY e.id`,
  )
}

/**
 * The events once `count` exist. A failed sign-in is written after its answer has
 * left (so that it cannot slow that answer down), so a test may look before it is.
 */
async function eventsOnceThereAre(t: TestApp, count: number): Promise<EventRow[]> {
  const deadline = Date.now() + 2_000
  for (;;) {
    const rows = await events(t)
    if (rows.length >= count || Date.now() > deadline) return rows
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

for (const engine of engines) {
  describe(`events of registration and sign-in (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: { TRUST_PROXY: 'true' } })
    })
    after(() => t.close())

    test('registering, failing with a wrong password and signing in are recorded with address and browser; an unknown name records nothing', async () => {
      const client = new TestClient(t.app, {
        'x-forwarded-for': '192.0.2.7',
        'user-agent': BROWSER,
      })
      assert.equal((await client.register('Evie', PASSWORD)).statusCode, 303)
      assert.equal((await client.login('nobody_by_that_name', PASSWORD)).statusCode, 401)
      assert.equal((await client.login('evie', 'not the passphrase')).statusCode, 401)
      t.clock.advanceSeconds(5)
      assert.equal((await client.login('EVIE', PASSWORD)).statusCode, 303)
      const rows = await eventsOnceThereAre(t, 3)
      assert.deepEqual(
        rows.map(({ kind, username, ip, user_agent }) => ({ kind, username, ip, user_agent })),
        ['registered', 'sign_in_failed', 'signed_in'].map((kind) => ({
          kind,
          username: 'Evie',
          ip: '192.0.2.7',
          user_agent: BROWSER,
        })),
      )
      assert.deepEqual(rows[2]!.occurred_at, t.clock.now(), 'at the time of the app clock')
    })

    test('an address that is not one (a forged X-Forwarded-For) is not recorded', async () => {
      const client = new TestClient(t.app, { 'x-forwarded-for': '<script>' })
      await client.register('forged', PASSWORD)
      const [row] = (await events(t)).filter((event) => event.username === 'forged')
      assert.equal(row?.kind, 'registered')
      assert.equal(row?.ip, null)
    })
  })
}
