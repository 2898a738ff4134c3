import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { eventKindsOf } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Review of issue 9 (finding 6): device tokens were only signed, so a token rotated
// away, one from before a password change, or one of a deleted account still let its
// holder past the account-wide wait for 180 days. A token is now also a row, deleted
// when it is used, void when the password changes, gone with the account.

const PASSWORD = 'a long and uncommon passphrase'
const NEW_PASSWORD = 'another long and uncommon passphrase'
const WRONG = 'not the passphrase at all'
const LIMITS = {
  SIGN_IN_FAILURES_PER_ACCOUNT: '5',
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3',
}

const from = (t: TestApp, address: string) => new TestClient(t.app, {}, { remoteAddress: address })

async function lockAccount(t: TestApp, name: string, firstOctet: number) {
  for (let i = 0; i < 5; i++) {
    const answer = await from(t, `203.0.113.${firstOctet + i}`).login(name, WRONG)
    assert.equal(answer.statusCode, 401)
  }
  assert.equal((await from(t, '198.51.100.200').login(name, PASSWORD)).statusCode, 429)
}

/** A browser elsewhere holding a copy of `token`. */
function holderOf(t: TestApp, token: string, address: string): TestClient {
  const browser = from(t, address)
  browser.jar.set('device', token)
  return browser
}

for (const engine of engines) {
  describe(`device tokens are spent, voided and deleted (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, { env: LIMITS })
    })
    after(() => t.close())

    test('a token rotated away at a sign-in no longer passes the wait; the new one does', async () => {
      const owner = from(t, '192.0.2.10')
      assert.equal((await owner.register('rotated', PASSWORD)).statusCode, 303)
      const copied = owner.jar.get('device')!
      await owner.logout()
      assert.equal((await owner.login('rotated', PASSWORD)).statusCode, 303) // spends `copied`
      await owner.logout()
      await lockAccount(t, 'rotated', 10)
      const thief = holderOf(t, copied, '198.51.100.10')
      assert.equal((await thief.login('rotated', PASSWORD)).statusCode, 429, 'the copy is spent')
      assert.equal((await owner.login('rotated', PASSWORD)).statusCode, 303, 'the owner is not')
    })

    test('a password change voids the tokens of every other browser, not of the one that changed it', async () => {
      const laptop = from(t, '192.0.2.20')
      assert.equal((await laptop.register('changer', PASSWORD)).statusCode, 303)
      const phone = from(t, '192.0.2.21')
      assert.equal((await phone.login('changer', PASSWORD)).statusCode, 303)
      await phone.logout()
      const changed = await laptop.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(changed.statusCode, 303)
      await laptop.logout()
      await lockAccount(t, 'changer', 20)
      assert.equal((await phone.login('changer', NEW_PASSWORD)).statusCode, 429)
      assert.equal((await laptop.login('changer', NEW_PASSWORD)).statusCode, 303)
    })

    test('a token of a deleted account is nothing for a new account of the same name', async () => {
      const first = from(t, '192.0.2.30')
      assert.equal((await first.register('reused', PASSWORD)).statusCode, 303)
      const oldToken = first.jar.get('device')!
      const deleted = await first.submit('/account', '/account/delete', { password: PASSWORD })
      assert.equal(deleted.statusCode, 303)
      const [left] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM device_tokens d WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = d.user_id)',
      )
      assert.equal(left!.n, 0)
      assert.equal((await from(t, '192.0.2.31').register('reused', PASSWORD)).statusCode, 303)
      await lockAccount(t, 'reused', 30)
      const holder = holderOf(t, oldToken, '198.51.100.30')
      assert.equal((await holder.login('reused', PASSWORD)).statusCode, 429)
    })

    test('a weak new password is refused without counting a guess of the current one', async () => {
      const owner = from(t, '192.0.2.40')
      assert.equal((await owner.register('weakling', PASSWORD)).statusCode, 303)
      for (let i = 0; i < 8; i++) {
        const answer = await owner.submit('/account', '/account/password', {
          current_password: PASSWORD,
          new_password: 'short',
        })
        assert.equal(answer.statusCode, 400)
      }
      const kinds = await eventKindsOf(t.db, 'weakling')
      assert.ok(!kinds.includes('password_check_failed'), 'no failed check was recorded')
      const changed = await owner.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(changed.statusCode, 303, 'not locked out by its own typos')
    })
  })
}
