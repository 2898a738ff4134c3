import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { SECOND_FACTOR_WINDOW_SECONDS } from '../../src/auth/second-factor-limit.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TestClient } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { eventKindsOf, sessionsOf } from '../helpers/sql.js'
import { TEST_SECRET, TestClock } from '../helpers/test-app.js'
import { codeAt, enableTwoFactor } from '../helpers/two-factor.js'

// The second factor on two instances of one PostgreSQL database (one secret, one
// clock): a code or a recovery code sent to both at once signs in once, and the
// wrong codes of both count together.

const PASSWORD = 'a long and uncommon passphrase'

function firstStep(client: TestClient, name: string) {
  return client.submit('/login', '/login', { username: name, password: PASSWORD })
}

function secondStep(client: TestClient, code: string) {
  return client.submit('/login/two-factor', '/login/two-factor', { code })
}

function wrongCodeAt(secret: Uint8Array, now: Date): string {
  const accepted = new Set([-1, 0, 1].map((offset) => codeAt(secret, now, offset)))
  return ['000000', '111111', '222222', '333333'].find((code) => !accepted.has(code))!
}

describe(
  'the second factor on two instances of one PostgreSQL database',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set', timeout: 120_000 },
  () => {
    let schema: TestSchema
    const dbs: Database[] = []
    const apps: FastifyInstance[] = []
    const clock = new TestClock()
    let n = 0
    const newName = () => `pair${++n}`

    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_pair_')
      const open = () => openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options })
      dbs.push(open(), open())
      await migrate(dbs[0]!)
      const config = loadConfig({ LOG_LEVEL: 'silent' })
      for (const db of dbs)
        apps.push(await buildApp({ config, db, secret: TEST_SECRET, now: clock.now }))
    })
    after(async () => {
      for (const app of apps) await app.close()
      for (const db of dbs) await db.close()
      await schema.drop()
    })

    /** An account with the factor on (set up on A), and one browser past the password on each instance. */
    async function pairAtSecondStep() {
      const [a, b] = apps as [FastifyInstance, FastifyInstance]
      const name = newName()
      const owner = new TestClient(a)
      assert.equal((await owner.register(name, PASSWORD)).statusCode, 303)
      const factor = await enableTwoFactor(owner, clock)
      const onA = new TestClient(a)
      const onB = new TestClient(b)
      for (const client of [onA, onB]) {
        const first = await firstStep(client, name)
        assert.equal(first.headers.location, '/login/two-factor')
      }
      return { name, onA, onB, ...factor }
    }

    test('1. the same current code on both instances at once: one 303, one 401', async () => {
      const { name, onA, onB, secret } = await pairAtSecondStep()
      const code = codeAt(secret, clock.now())
      const answers = await Promise.all([secondStep(onA, code), secondStep(onB, code)])
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [303, 401])
      const who = await Promise.all(
        [onA, onB].map(async (c) => signedInAs((await c.get('/')).body)),
      )
      assert.equal(who.filter((signed) => signed === name).length, 1, String(who))
      assert.equal((await sessionsOf(dbs[0]!, name)).length, 2, 'the owner’s and the winner’s')
    })

    test('2. the same recovery code on both instances at once: one 303', async () => {
      const { name, onA, onB, recoveryCodes } = await pairAtSecondStep()
      const code = recoveryCodes[0]!
      const answers = await Promise.all([secondStep(onA, code), secondStep(onB, code)])
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [303, 401])
      const kinds = await eventKindsOf(dbs[0]!, name)
      assert.equal(kinds.filter((kind) => kind === 'recovery_code_used').length, 1)
      assert.equal((await sessionsOf(dbs[0]!, name)).length, 1, 'the winner’s only')
    })

    test('3. 3 wrong codes on A and 2 on B: the right code on either then gets 429 with Retry-After', async () => {
      const { onA, onB, secret } = await pairAtSecondStep()
      const wrong = wrongCodeAt(secret, clock.now())
      for (const client of [onA, onA, onA, onB, onB]) {
        assert.equal((await secondStep(client, wrong)).statusCode, 401)
      }
      for (const client of [onA, onB]) {
        const refused = await secondStep(client, codeAt(secret, clock.now()))
        assert.equal(refused.statusCode, 429)
        assert.equal(refused.headers['retry-after'], String(SECOND_FACTOR_WINDOW_SECONDS))
        assert.equal(signedInAs((await client.get('/')).body), null)
      }
    })
  },
)
