import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Security review, issue 9 finding 6: 100 failures a day from any addresses put the
// account counter over its limit, about four requests an hour keep it there, and the
// owner with the right password from a new address got 429. A browser that has
// signed in to the account before now carries a device token that lets it through
// the account-wide wait, while its own count holds (OWASP device cookies).

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'
const LIMITS = {
  SIGN_IN_FAILURES_PER_ACCOUNT: '5',
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3',
}

const from = (t: TestApp, address: string) => new TestClient(t.app, {}, { remoteAddress: address })

async function strangersFail(t: TestApp, name: string, count: number, firstOctet = 10) {
  for (let i = 0; i < count; i++) {
    const answer = await from(t, `203.0.113.${firstOctet + i}`).login(name, WRONG)
    assert.equal(answer.statusCode, 401)
  }
}

for (const engine of engines) {
  describe(`strangers cannot keep the owner out (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: LIMITS })
    })
    after(() => t.close())

    test('a browser that signed in before gets through the account-wide wait; a new browser waits', async () => {
      const owner = from(t, '192.0.2.1')
      assert.equal((await owner.register('owner', PASSWORD)).statusCode, 303)
      const firstToken = owner.jar.get('device')
      assert.ok(firstToken, 'registering leaves a device token')
      assert.equal((await owner.logout()).statusCode, 303)
      await strangersFail(t, 'owner', 5)
      assert.equal((await from(t, '192.0.2.99').login('owner', PASSWORD)).statusCode, 429)
      const back = await owner.login('owner', PASSWORD)
      assert.equal(back.statusCode, 303)
      assert.notEqual(owner.jar.get('device'), firstToken, 'the token is rotated at use')
      const page = await owner.get('/account')
      assert.match(page.body, /id="account-lock-notice"/, 'the account page says it was locked')
    })

    test('the device still has its own count: after its failures it waits too', async () => {
      const owner = from(t, '192.0.2.2')
      assert.equal((await owner.register('careless', PASSWORD)).statusCode, 303)
      await owner.logout()
      await strangersFail(t, 'careless', 5, 30)
      // From another address, so the name + address counter is not what stops it.
      const roaming = new TestClient(t.app, {}, { remoteAddress: '198.51.100.5' })
      roaming.jar.set('device', owner.jar.get('device')!)
      for (let i = 0; i < 3; i++) {
        assert.equal((await roaming.login('careless', WRONG)).statusCode, 401)
      }
      assert.equal((await roaming.login('careless', PASSWORD)).statusCode, 429)
    })

    test('a token is for its account only, and a forged or altered one is no token', async () => {
      const alice = from(t, '192.0.2.3')
      assert.equal((await alice.register('alice_d', PASSWORD)).statusCode, 303)
      assert.equal((await from(t, '192.0.2.4').register('bob_d', PASSWORD)).statusCode, 303)
      await strangersFail(t, 'bob_d', 5, 50)
      const token = alice.jar.get('device')!
      for (const cookie of [
        token,
        token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')),
        'garbage',
        '~'.repeat(2000),
      ]) {
        const browser = from(t, '192.0.2.5')
        browser.jar.set('device', cookie)
        assert.equal((await browser.login('bob_d', PASSWORD)).statusCode, 429, cookie.slice(0, 20))
      }
    })
  })
}
