import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { DummyHashes } from '../../src/auth/dummy-hashes.js'
import {
  hashPassword,
  setPasswordHashThreads,
  verifyPasswordHash,
} from '../../src/auth/passwords.js'
import { insertUser } from '../../src/auth/users.js'
import { loadConfig, type PasswordHashParams } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { TestClient } from '../helpers/client.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// Review of issue 9: the census of hash parameters made its dummies through the line
// of hashes with no place of its own, and stored the census only once they were made.
// Started while the line was full, the making was refused, the census stayed empty
// until the hourly retry, and meanwhile every unknown name cost the current
// parameters: 7-13 ms against 87-115 ms for the accounts with older hashes.

// Slow old hashes, cheap current ones: an unknown name that costs the current
// parameters takes a tenth of an old account's time.
const OLD: PasswordHashParams = { memoryCost: 65536, timeCost: 3, parallelism: 1 }
const CHEAP_ENV = {
  LOG_LEVEL: 'silent',
  PASSWORD_HASH_THREADS: '1',
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
}
const CURRENT = loadConfig(CHEAP_ENV).passwordHash
const OLD_ACCOUNTS = 6

const paramsOf = (hash: string) => /\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(hash)!.slice(1).map(Number)
const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1]!

async function addOldAccounts(db: Database): Promise<void> {
  const passwordHash = await hashPassword('an old password of theirs', OLD)
  for (let i = 0; i < OLD_ACCOUNTS; i++) {
    const created = await insertUser(db, {
      username: `old${i}`,
      usernameKey: `old${i}`,
      passwordHash,
      now: new Date(),
    })
    assert.ok(created.ok)
  }
}

/** Fills the line of one thread (1 running, 32 waiting) with slow verifications. */
async function fillTheLine(): Promise<Array<Promise<boolean>>> {
  const stored = await hashPassword('filler password', OLD)
  return Array.from({ length: 33 }, () => verifyPasswordHash(stored, 'filler password'))
}

/** Milliseconds of failed sign-ins: the old accounts, and as many unknown names. */
async function signInTimes(app: FastifyInstance): Promise<{ known: number[]; unknown: number[] }> {
  const known: number[] = []
  const unknown: number[] = []
  const time = async (name: string, into: number[], address: string) => {
    const client = new TestClient(app, {}, { remoteAddress: address })
    const page = await client.get('/login')
    assert.equal(page.statusCode, 200)
    const started = performance.now()
    const response = await client.login(name, 'not the password at all')
    into.push(performance.now() - started)
    assert.equal(response.statusCode, 401, `${name}: ${response.statusCode}`)
  }
  for (let i = 0; i < OLD_ACCOUNTS; i++) {
    await time(`old${i}`, known, `192.0.2.${i + 1}`)
    await time(`ghost${i}`, unknown, `198.51.100.${i + 1}`)
  }
  return { known, unknown }
}

function assertUnknownNamesCostLikeOldAccounts(times: { known: number[]; unknown: number[] }) {
  // Every account holds the old parameters, so every unknown name stands for them.
  // Timing on a busy machine varies, but not by the factor of ten of the fault.
  const known = median(times.known)
  const unknown = median(times.unknown)
  assert.ok(
    unknown > known / 2,
    `unknown names ${unknown.toFixed(0)} ms against ${known.toFixed(0)} ms for old accounts`,
  )
}

for (const engine of engines) {
  describe(`the census made while the line of hashes is full (${engine})`, () => {
    let database: TestDatabase
    before(async () => {
      database = await openTestDatabase(engine)
      await addOldAccounts(database.db)
    })
    after(() => database.close())

    test('takes the census and makes its dummies in their turn, not refused', async () => {
      setPasswordHashThreads(1)
      const fillers = await fillTheLine()
      try {
        const dummies = new DummyHashes(CURRENT)
        // Asked while the census and the making are under way: the name waits for both.
        const [refreshed, asked] = await Promise.allSettled([
          dummies.refresh(database.db),
          dummies.forUnknownName('ghost'),
        ])
        assert.deepEqual(refreshed, { status: 'fulfilled', value: undefined })
        assert.equal(asked.status, 'fulfilled')
        assert.deepEqual(paramsOf(asked.value), [OLD.memoryCost, OLD.timeCost, OLD.parallelism])
      } finally {
        await Promise.all(fillers)
      }
    })

    test('an app started with a full line: unknown names cost what the old accounts cost', async () => {
      const app = await buildApp({
        config: loadConfig(CHEAP_ENV),
        db: database.db,
        secret: TEST_SECRET,
        batchSessionTouches: false,
        cache: false,
      })
      try {
        // After buildApp has sized the line, before onReady takes the census.
        const fillers = await fillTheLine()
        await app.ready()
        await Promise.all(fillers)
        assertUnknownNamesCostLikeOldAccounts(await signInTimes(app))
      } finally {
        await app.close()
      }
    })
  })

  describe(`a census that failed is taken again within seconds (${engine})`, () => {
    let database: TestDatabase
    before(async () => {
      database = await openTestDatabase(engine)
      await addOldAccounts(database.db)
    })
    after(() => database.close())

    test('the first count fails; a few seconds later unknown names cost like old accounts', async () => {
      let failures = 0
      const failingOnce: Database = {
        ...database.db,
        query: (sql, params) => {
          if (failures === 0 && sql.includes('split_part(password_hash')) {
            failures += 1
            return Promise.reject(new Error('the census query failed, once'))
          }
          return database.db.query(sql, params)
        },
      }
      const app = await buildApp({
        config: loadConfig(CHEAP_ENV),
        db: failingOnce,
        secret: TEST_SECRET,
        batchSessionTouches: false,
        cache: false,
      })
      try {
        await app.ready()
        // The retry is 5 s away (HASH_CENSUS_RETRY_MS); the fault waited an hour.
        await new Promise((resolve) => setTimeout(resolve, 6_000))
        assert.equal(failures, 1)
        assertUnknownNamesCostLikeOldAccounts(await signInTimes(app))
      } finally {
        await app.close()
      }
    })
  })
}
