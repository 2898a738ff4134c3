import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { eventKindsOf, sessionsOf } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Security review, issue 9 finding 2: POST /account/password and /account/delete
// verified a password with no limit and no event (about 37 guesses a second at one's
// own current password), forty loops of them made everyone else's sign-ins 503, and
// sign-in floods made sessions without bound (233 for one account in 4 s).

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'

const client = (t: TestApp, address: string) =>
  new TestClient(t.app, {}, { remoteAddress: address })

for (const engine of engines) {
  describe(`every password check counts (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: {
          PASSWORD_HASH_THREADS: '1',
          PASSWORD_HASH_MEMORY_KIB: '8192',
          PASSWORD_HASH_ITERATIONS: '1',
          SESSIONS_PER_ACCOUNT: '3',
          SIGN_INS_PER_ADDRESS_PER_MINUTE: '10',
        },
      })
    })
    after(() => t.close())

    for (const [action, field] of [
      ['/account/password', 'current_password'],
      ['/account/delete', 'password'],
    ] as const) {
      test(`${action}: after 10 wrong passwords from one address the next gets 429, even the right one, and each failure is an event`, async () => {
        const name = action.endsWith('password') ? 'changer' : 'deleter'
        const owner = client(t, '198.51.100.10')
        assert.equal((await owner.register(name, PASSWORD)).statusCode, 303)
        const statuses: number[] = []
        for (let i = 0; i < 11; i++) {
          const fields = { [field]: WRONG, new_password: 'a brand new long passphrase' }
          statuses.push((await owner.submit('/account', action, fields)).statusCode)
        }
        assert.deepEqual(statuses, [...Array<number>(10).fill(401), 429])
        const right = await owner.submit('/account', action, {
          [field]: PASSWORD,
          new_password: 'a brand new long passphrase',
        })
        assert.equal(right.statusCode, 429)
        assert.ok(Number(right.headers['retry-after']) >= 1)
        const kinds = await eventKindsOf(t.db, name)
        assert.equal(kinds.filter((kind) => kind === 'password_check_failed').length, 10)
        // The same counters as sign-in: that name from that address waits there too.
        assert.equal((await client(t, '198.51.100.10').login(name, PASSWORD)).statusCode, 429)
        t.clock.advanceSeconds(3600)
      })
    }

    test('a flood of wrong current passwords from one account leaves other people signing in', async () => {
      const flooder = client(t, '198.51.100.20')
      assert.equal((await flooder.register('flooder', PASSWORD)).statusCode, 303)
      assert.equal((await client(t, '192.0.2.1').register('bystander', PASSWORD)).statusCode, 303)
      const page = await flooder.get('/account')
      assert.equal(page.statusCode, 200)
      let flooding = true
      const floodStatuses: number[] = []
      const loops = Array.from({ length: 40 }, async (_, loop) => {
        for (let i = 0; flooding && i < 25; i++) {
          const answer = await flooder.submit('/account', '/account/password', {
            current_password: `${WRONG} ${loop} ${i}`,
            new_password: 'a brand new long passphrase',
          })
          floodStatuses.push(answer.statusCode)
        }
      })
      const bystanders: number[] = []
      for (let i = 0; i < 5; i++) {
        bystanders.push(
          (await client(t, `192.0.2.${10 + i}`).login('bystander', PASSWORD)).statusCode,
        )
      }
      flooding = false
      await Promise.all(loops)
      assert.deepEqual(bystanders, [303, 303, 303, 303, 303])
      assert.ok(floodStatuses.includes(429), 'the flooder is refused')
      assert.ok(
        floodStatuses.every((status) => status === 401 || status === 429),
        `only 401 and 429 for the flooder: ${[...new Set(floodStatuses)].join(', ')}`,
      )
      t.clock.advanceSeconds(3600)
    })

    test('an account holds at most SESSIONS_PER_ACCOUNT sessions: a sign-in beyond it ends the least recently used, and says so', async () => {
      assert.equal((await client(t, '192.0.2.30').register('capped', PASSWORD)).statusCode, 303)
      const browsers = [31, 32, 33, 34].map((n) => client(t, `192.0.2.${n}`))
      for (const browser of browsers) {
        t.clock.advanceSeconds(1)
        assert.equal((await browser.login('capped', PASSWORD)).statusCode, 303)
      }
      assert.equal((await sessionsOf(t.db, 'capped')).length, 3)
      assert.equal((await browsers[0]!.get('/account')).statusCode, 303, 'the oldest was ended')
      for (const browser of browsers.slice(1)) {
        assert.equal((await browser.get('/account')).statusCode, 200)
      }
      assert.ok((await eventKindsOf(t.db, 'capped')).includes('sessions_over_limit_ended'))
    })

    test('parallel sign-ins never leave an account more sessions than the cap', async () => {
      // Five: one account may hold only a share of the line of hashes at once.
      assert.equal((await client(t, '192.0.2.40').register('racing', PASSWORD)).statusCode, 303)
      const answers = await Promise.all(
        Array.from({ length: 5 }, (_, i) =>
          client(t, `192.0.2.${41 + i}`).login('racing', PASSWORD),
        ),
      )
      assert.deepEqual(
        answers.map((answer) => answer.statusCode),
        Array<number>(5).fill(303),
      )
      assert.equal((await sessionsOf(t.db, 'racing')).length, 3)
    })

    test('successful sign-ins from one address are limited too: past SIGN_INS_PER_ADDRESS_PER_MINUTE, 429', async () => {
      t.clock.advanceSeconds(3600)
      assert.equal((await client(t, '192.0.2.60').register('often', PASSWORD)).statusCode, 303)
      const statuses: number[] = []
      for (let i = 0; i < 11; i++) {
        statuses.push((await client(t, '203.0.113.60').login('often', PASSWORD)).statusCode)
      }
      assert.deepEqual(statuses, [...Array<number>(10).fill(303), 429])
      assert.equal((await client(t, '203.0.113.61').login('often', PASSWORD)).statusCode, 303)
      t.clock.advanceSeconds(60)
      assert.equal((await client(t, '203.0.113.60').login('often', PASSWORD)).statusCode, 303)
    })
  })
}
