import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { startAppOnSwitchableDatabase } from '../helpers/outages.js'
import { userRow } from '../helpers/sql.js'

// Issue 14: registration made the account, then its first session, in two
// transactions. A database lost between the two answered 503 and left an account its
// maker could not know was made (the next try: "name taken"). Now the account, its
// event and its session commit together or not at all, on the page and in the API.

const PASSWORD = 'a long and uncommon passphrase'

for (const engine of engines) {
  describe(`registration is one transaction (${engine})`, () => {
    let down: Awaited<ReturnType<typeof startAppOnSwitchableDatabase>>
    before(async () => {
      down = await startAppOnSwitchableDatabase(engine)
    })
    after(() => down.close())

    test('the session insert fails: 503, no account, and the same name registers after', async () => {
      const client = new TestClient(down.app)
      down.db.failInTransactions = /INSERT INTO sessions/
      const failed = await client.register('half-made', PASSWORD)
      down.db.failInTransactions = undefined
      assert.equal(failed.statusCode, 503)
      assert.equal(await userRow(down.db, 'half-made'), undefined, 'no account was left')
      const [events] = await down.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM auth_events WHERE kind = 'registered'",
      )
      assert.equal(events!.n, 0, 'no event of it either')
      assert.equal((await new TestClient(down.app).register('half-made', PASSWORD)).statusCode, 303)
    })

    test('the same through the API: a 503 problem, and nothing made', async () => {
      down.db.failInTransactions = /INSERT INTO sessions/
      const failed = await down.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: { 'content-type': 'application/json' },
        payload: { username: 'half-made-api', password: PASSWORD },
      })
      down.db.failInTransactions = undefined
      assert.equal(failed.statusCode, 503)
      assert.equal(failed.headers['content-type'], 'application/problem+json; charset=utf-8')
      assert.equal(await userRow(down.db, 'half-made-api'), undefined)
    })
  })
}
