import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Review of issue 9's fix: the owner's sign-in through a device token cleared the
// account counter, so strangers got the account's limit again after each one (20
// guesses in 4 minutes against a limit of 5 a day). A success through a device
// token now clears only the device's and the name + address counters.

const PASSWORD = 'a long and uncommon passphrase'
const WRONG = 'not the passphrase at all'
const from = (t: TestApp, address: string) => new TestClient(t.app, {}, { remoteAddress: address })

for (const engine of engines) {
  describe(`the owner's sign-ins do not lift the account's lock for strangers (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: { SIGN_IN_FAILURES_PER_ACCOUNT: '5', SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3' },
      })
    })
    after(() => t.close())

    test('strangers get the account limit once in its window, however often the owner signs in', async () => {
      const owner = from(t, '192.0.2.1')
      assert.equal((await owner.register('victim', PASSWORD)).statusCode, 303)
      await owner.logout()
      let guesses = 0
      for (let round = 0; round < 4; round++) {
        for (let i = 0; i < 6; i++) {
          const answer = await from(t, `203.0.${round}.${10 + i}`).login('victim', `${WRONG} ${i}`)
          if (answer.statusCode === 401) guesses += 1
        }
        assert.equal((await owner.login('victim', PASSWORD)).statusCode, 303, 'the owner gets in')
        await owner.logout()
        t.clock.advanceSeconds(60)
      }
      // 5 to reach the limit; then one per wait, the waits doubling from 60 s: one at
      // 60 s (wait 120 s), none at 120 s, one at 180 s. Clearing the counter at each
      // of the owner's sign-ins gave 5 a round: 20.
      assert.equal(guesses, 7)
    })
  })
}
