import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  countHashParameters,
  DummyHashes,
  parametersForUnknownName,
  type ParameterCensus,
} from '../../src/auth/dummy-hashes.js'
import { hashPassword } from '../../src/auth/passwords.js'
import { insertUser } from '../../src/auth/users.js'
import type { PasswordHashParams } from '../../src/config.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'

// Security review, issue 9 finding 7: a verification against a hash of older
// parameters takes another time than the dummy one an unknown name costs, so accounts
// not yet upgraded could be told from unknown names after a parameter change. An
// unknown name now stands for one of the parameter sets the table holds, in their
// proportions, the same set on every try.

const OLD: PasswordHashParams = { memoryCost: 8192, timeCost: 1, parallelism: 1 }
const CURRENT: PasswordHashParams = { memoryCost: 9216, timeCost: 1, parallelism: 1 }

const paramsOf = (hash: string) => /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash)!.slice(1).map(Number)

describe('parametersForUnknownName', () => {
  const census: ParameterCensus = {
    sets: [
      { params: OLD, accounts: 1 },
      { params: CURRENT, accounts: 3 },
    ],
  }

  test('draws each set in proportion to its accounts, over many names', () => {
    let old = 0
    for (let i = 0; i < 4000; i++) {
      if (parametersForUnknownName(`name${i}`, census, CURRENT) === OLD) old += 1
    }
    assert.ok(old > 850 && old < 1150, `about a quarter of the names: ${old} of 4000`)
  })

  test('gives one name the same set every time, and the current one for an empty table', () => {
    for (const name of ['alice', 'bob', 'carol']) {
      const first = parametersForUnknownName(name, census, CURRENT)
      for (let i = 0; i < 5; i++)
        assert.equal(parametersForUnknownName(name, census, CURRENT), first)
    }
    assert.equal(parametersForUnknownName('anyone', { sets: [] }, CURRENT), CURRENT)
  })
})

for (const engine of engines) {
  describe(`the census of hash parameters (${engine})`, () => {
    let database: TestDatabase
    before(async () => {
      database = await openTestDatabase(engine)
      const { db } = database
      for (const [i, params] of [OLD, CURRENT, CURRENT, CURRENT].entries()) {
        const created = await insertUser(db, {
          username: `user${i}`,
          usernameKey: `user${i}`,
          passwordHash: await hashPassword(`password number ${i}`, params),
          now: new Date(),
        })
        assert.ok(created.ok)
      }
    })
    after(() => database.close())

    test('counts the accounts of each parameter set', async () => {
      assert.deepEqual(await countHashParameters(database.db), {
        sets: [
          { params: OLD, accounts: 1 },
          { params: CURRENT, accounts: 3 },
        ],
      })
    })

    test('an unknown name is verified against a dummy of the parameters drawn for it', async () => {
      const dummies = new DummyHashes(CURRENT)
      await dummies.refresh(database.db)
      let sawOld = false
      for (let i = 0; i < 40 && !sawOld; i++) {
        const name = `stranger${i}`
        const expected = parametersForUnknownName(
          name,
          await countHashParameters(database.db),
          CURRENT,
        )
        const hash = await dummies.forUnknownName(name)
        assert.deepEqual(paramsOf(hash), [
          expected.memoryCost,
          expected.timeCost,
          expected.parallelism,
        ])
        sawOld ||= expected === OLD || expected.memoryCost === OLD.memoryCost
      }
      assert.ok(sawOld, 'some unknown names cost what the old accounts cost')
    })
  })
}
