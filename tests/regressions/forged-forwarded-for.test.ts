import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { sessionsOf } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Security review, issue 9 finding 1: with TRUST_PROXY=true Fastify trusted every
// hop and took the left-most X-Forwarded-For entry, the one the client wrote. Behind
// nginx (`X-Forwarded-For: <the client's own header>, <real address>`) fourteen wrong
// passwords with a new left part each got fourteen 401s and no 429, and the events
// showed the forged addresses. Each form of TRUST_PROXY must take the entry the
// nearest trusted proxy appended.

const PASSWORD = 'a long and uncommon passphrase'
const REAL_CLIENT = '203.0.113.9'

interface ProxyForm {
  trustProxy: string
  /** The socket's address: the proxy nearest to Logon. */
  socket: string
  /** What the proxies hand on: the client's own entry (forged) first. */
  forwardedFor: (forged: string) => string
}

const FORMS: ProxyForm[] = [
  { trustProxy: 'true', socket: '127.0.0.1', forwardedFor: (f) => `${f}, ${REAL_CLIENT}` },
  {
    trustProxy: '2',
    socket: '127.0.0.1',
    forwardedFor: (f) => `${f}, ${REAL_CLIENT}, 10.0.0.2`,
  },
  {
    trustProxy: '127.0.0.1,10.0.0.0/8',
    socket: '127.0.0.1',
    forwardedFor: (f) => `${f}, ${REAL_CLIENT}, 10.1.2.3`,
  },
]

for (const engine of engines) {
  for (const form of FORMS) {
    describe(`TRUST_PROXY=${form.trustProxy}: a client cannot choose its address (${engine})`, () => {
      let t: TestApp
      before(async () => {
        t = await startTestApp(engine, { env: { TRUST_PROXY: form.trustProxy } })
        const registrar = new TestClient(t.app, { 'x-forwarded-for': '192.0.2.250' })
        assert.equal((await registrar.register('target', PASSWORD)).statusCode, 303)
      })
      after(() => t.close())

      test('wrong passwords with a new forged left entry each still reach the limit of the real address', async () => {
        const statuses: number[] = []
        for (let i = 1; i <= 14; i++) {
          const client = new TestClient(
            t.app,
            { 'x-forwarded-for': form.forwardedFor(`6.6.6.${i}`) },
            { remoteAddress: form.socket },
          )
          statuses.push((await client.login('target', 'not the passphrase')).statusCode)
        }
        assert.deepEqual(statuses, [...Array<number>(10).fill(401), ...Array<number>(4).fill(429)])
      })

      test('the session and its events carry the real address, never the forged one', async () => {
        const client = new TestClient(
          t.app,
          { 'x-forwarded-for': form.forwardedFor('6.6.6.6') },
          { remoteAddress: form.socket },
        )
        t.clock.advanceSeconds(3600) // past the wait the test above started
        const registered = await client.register('roamer', PASSWORD)
        assert.equal(registered.statusCode, 303)
        const rows = await t.db.query<{ ip: string | null }>(
          `SELECT s.ip FROM sessions s JOIN users u ON u.id = s.user_id WHERE u.username = 'roamer'
           UNION ALL
           SELECT e.ip FROM auth_events e JOIN users u ON u.id = e.user_id WHERE u.username = 'roamer'`,
        )
        assert.ok(rows.length >= 2)
        for (const row of rows) assert.equal(row.ip, REAL_CLIENT)
      })
    })
  }

  describe(`TRUST_PROXY with a list: a request from an address not on it is not a proxy (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: { TRUST_PROXY: '10.0.0.0/8' } })
    })
    after(() => t.close())

    test('its X-Forwarded-For is ignored: the client is the socket address', async () => {
      const client = new TestClient(
        t.app,
        { 'x-forwarded-for': '6.6.6.6' },
        { remoteAddress: '198.51.100.44' },
      )
      assert.equal((await client.register('direct', PASSWORD)).statusCode, 303)
      const [session] = await sessionsOf(t.db, 'direct')
      assert.equal(session?.ip, '198.51.100.44')
    })
  })
}
