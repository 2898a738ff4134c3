import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { registerAccount } from '../../src/auth/registration.js'
import { authenticate, underLease } from '../helpers/hash-lease.js'
import type { Queryable } from '../../src/db/database.js'
import { importLegacyUsers, type ImportOptions } from '../../src/legacy-import/import-users.js'
import { openLegacyLoginTable } from '../../src/legacy-import/login-table.js'
import { SKIP_REASONS, type ImportReport } from '../../src/legacy-import/report.js'
import type { LegacySourceError } from '../../src/legacy-import/source-error.js'
import {
  engines,
  openTestDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../helpers/databases.js'
import { adminQuery } from '../helpers/pg-schema.js'
import {
  arraySource,
  createLoginTable,
  IMPORTED,
  LEGACY_ROWS,
  expectedSkips,
  sortPairs,
} from '../helpers/legacy-logins.js'
import { accountServices } from '../helpers/accounts.js'

// The import as plain functions (issue 3, "Import from the original app"): rows
// from an array, or from a real login table read through cursors; no child process.

const FAST_HASH = { memoryCost: 8192, timeCost: 1, parallelism: 1 }
const OPTIONS: ImportOptions = { passwordMinLength: 8, passwordHash: FAST_HASH, concurrency: 3 }
const POLICY = { passwordMinLength: 8, passwordHash: FAST_HASH }

function skippedPairs(report: ImportReport): Array<[string | null, string]> {
  return sortPairs(
    SKIP_REASONS.flatMap((reason) =>
      report.skipped[reason].names.map((s) => [s.username, reason] as [string | null, string]),
    ),
  )
}

function skippedCount(report: ImportReport): number {
  return SKIP_REASONS.reduce((sum, reason) => sum + report.skipped[reason].count, 0)
}

/** Deletes every account (their sessions and events go with them). */
async function emptyUsers(t: TestDatabase): Promise<void> {
  await t.db.query('DELETE FROM users')
}

async function userCount(t: TestDatabase): Promise<number> {
  const [row] = await t.db.query<{ count: number }>('SELECT count(*)::int AS count FROM users')
  return row!.count
}

for (const engine of engines) {
  describe(`legacy import as plain functions (${engine})`, () => {
    let t: TestDatabase
    before(async () => {
      t = await openTestDatabase(engine)
    })
    after(() => t?.close())

    test('imports every valid name and reports each skipped name with its reason', async () => {
      const report = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), OPTIONS)
      assert.equal(report.read, LEGACY_ROWS.length)
      assert.equal(report.imported, IMPORTED.length)
      assert.deepEqual(report.weak, { password_too_short: 1, password_too_common: 1 })
      assert.deepEqual(skippedPairs(report), sortPairs(expectedSkips()))
      assert.equal(report.read, report.imported + skippedCount(report))
      const alice = report.skipped.duplicate_in_source.names.find((s) => s.username === 'ALICE')
      assert.deepEqual({ key: alice?.key, count: alice?.sameKeyCount }, { key: 'alice', count: 2 })
      assert.equal(await userCount(t), IMPORTED.length)
    })

    test('imported accounts sign in with their old password, as first typed; skipped ones do not', async () => {
      for (const row of IMPORTED) {
        const user = await authenticate(
          t.db,
          { username: row.username!, password: row.password! },
          { policy: POLICY },
        )
        assert.equal(user?.username, row.username, `${row.username} signs in`)
        assert.match(user.passwordHash, /^\$argon2id\$v=19\$m=8192,t=1,p=1\$/)
      }
      const fullWidth = await authenticate(
        t.db,
        { username: 'EVE', password: 'pw-eve-Wm3pNc' },
        { policy: POLICY },
      )
      assert.equal(fullWidth?.username, 'ｅｖｅ', 'the full-width name signs in as plain "EVE"')
      for (const username of ['Alice', 'ALICE', 'Straße', 'ivan']) {
        const password = LEGACY_ROWS.find((r) => r.username === username)!.password ?? ''
        assert.equal(await authenticate(t.db, { username, password }, { policy: POLICY }), null)
      }
    })

    test('a second run imports nothing and reports every importable name as imported earlier', async () => {
      const report = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), OPTIONS)
      assert.equal(report.imported, 0)
      assert.deepEqual(report.weak, { password_too_short: 0, password_too_common: 0 })
      assert.deepEqual(
        report.skipped.imported_earlier.names.map((s) => s.username).sort(),
        IMPORTED.map((r) => r.username).sort(),
      )
      assert.equal(await userCount(t), IMPORTED.length)
    })

    test('a name registered in Logon before the import is skipped as taken by another account', async () => {
      await emptyUsers(t)
      const registered = await underLease((lease) =>
        registerAccount(
          accountServices(t.db, POLICY),
          { username: 'BOB', password: 'a passphrase of the new app' },
          { now: new Date(), lease },
        ),
      )
      assert.ok(registered.ok)
      const report = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), OPTIONS)
      assert.deepEqual(
        report.skipped.taken_by_another_account.names.map((s) => s.username),
        ['bob'],
      )
      const bob = await authenticate(
        t.db,
        { username: 'bob', password: 'pw-bob-7Hq2xLm' },
        { policy: POLICY },
      )
      assert.equal(bob, null, 'the legacy password does not take over the Logon account')
    })

    test('a dry run writes nothing and reports what a real run would do', async () => {
      await emptyUsers(t)
      const report = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), {
        ...OPTIONS,
        dryRun: true,
      })
      assert.equal(report.dryRun, true)
      assert.equal(report.imported, IMPORTED.length)
      assert.deepEqual(report.weak, { password_too_short: 1, password_too_common: 1 })
      assert.deepEqual(skippedPairs(report), sortPairs(expectedSkips()))
      assert.equal(await userCount(t), 0)
    })

    test('an aborted import stops after a batch, and running it again imports the rest', async () => {
      await emptyUsers(t)
      const controller = new AbortController()
      const first = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), {
        ...OPTIONS,
        signal: controller.signal,
        onBatch: () => controller.abort(),
      })
      assert.equal(first.interrupted, true)
      assert.equal(first.read, 3, 'one batch')
      const second = await importLegacyUsers(t.db, arraySource(LEGACY_ROWS), OPTIONS)
      assert.equal(second.interrupted, false)
      assert.equal(first.imported + second.imported, IMPORTED.length)
      assert.equal(second.skipped.imported_earlier.count, first.imported)
    })

    test('at most `concurrency` accounts are in flight, and a failed write stops the import', async () => {
      await emptyUsers(t)
      let inFlight = 0
      let maxInFlight = 0
      let inserts = 0
      const slowDb: Queryable = {
        exec: (sql) => t.db.exec(sql),
        async query<Row>(sql: string, params?: readonly unknown[]) {
          if (!sql.trimStart().startsWith('INSERT INTO users')) return t.db.query<Row>(sql, params)
          inserts += 1
          if (inserts === 9) throw new Error('disk full')
          inFlight += 1
          maxInFlight = Math.max(maxInFlight, inFlight)
          await new Promise((resolve) => setTimeout(resolve, 20))
          inFlight -= 1
          return t.db.query<Row>(sql, params)
        },
      }
      const rows = Array.from({ length: 20 }, (_, i) => ({
        username: `many_${i}`,
        password: `pw-many-${i}-Tz`,
      }))
      await assert.rejects(
        importLegacyUsers(slowDb, arraySource(rows, 10), { ...OPTIONS, concurrency: 3 }),
        /disk full/,
      )
      assert.equal(maxInFlight, 3)
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.ok(inserts <= 11, `no account starts after the failure (${inserts} inserts)`)
      assert.equal(await userCount(t), inserts - 1, 'nothing is written after the import threw')
    })

    test('non-text values are skipped as not text, and the names kept per reason are capped', async () => {
      await emptyUsers(t)
      const rows = [
        { username: 42, password: 'pw-number-name' },
        { username: 'number_pw', password: 12345678 },
        { username: 'buffer_pw', password: Buffer.from('pw-buffer') },
        ...Array.from({ length: 5 }, (_, i) => ({ username: `x${i}!`, password: 'pw-x' })),
      ]
      const report = await importLegacyUsers(t.db, arraySource(rows), {
        ...OPTIONS,
        namesPerReason: 2,
      })
      assert.deepEqual(report.skipped.username_not_text.names, [
        { username: null, reason: 'username_not_text' },
      ])
      assert.deepEqual(
        report.skipped.password_not_text.names.map((s) => s.username),
        ['number_pw', 'buffer_pw'],
      )
      assert.equal(report.skipped.username_characters.count, 5)
      assert.equal(report.skipped.username_characters.names.length, 2)
      assert.equal(report.imported, 0)
    })
  })
}

describe(
  'legacy import: reading a real login table',
  { skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL' },
  () => {
    const url = TEST_DATABASE_URL!

    test('reads a large table a batch at a time, both passes in one snapshot', async () => {
      const source = await createLoginTable(url, [])
      const insert = (count: number) =>
        adminQuery(
          url,
          `INSERT INTO ${source.name}.login
           SELECT 'user' || i, 'pw-' || i FROM generate_series(1, ${count}) i`,
        )
      await insert(1201)
      const reader = await openLegacyLoginTable(source.url, { batchSize: 500 })
      try {
        await insert(7) // after the snapshot: neither pass sees these rows
        const names: number[] = []
        for await (const batch of reader.usernames()) names.push(batch.length)
        const rows: number[] = []
        for await (const batch of reader.logins()) rows.push(batch.length)
        assert.deepEqual({ names, rows }, { names: [500, 500, 201], rows: [500, 500, 201] })
      } finally {
        await reader.close()
        await source.drop()
      }
    })

    test('char(n) padding is dropped, and a column of another type is skipped as not text', async () => {
      const source = await createLoginTable(
        url,
        [
          { username: 'padded', password: 'pw-padded-Rk2' },
          { username: 'numbered', password: null },
        ],
        { columns: 'username char(20), password char(30)' },
      )
      const numeric = await createLoginTable(url, [{ username: 'pin', password: 12345678 }], {
        columns: 'username varchar(40), password integer',
      })
      const t = await openTestDatabase('postgres')
      try {
        const padded = await openLegacyLoginTable(source.url)
        const report = await importLegacyUsers(t.db, padded, OPTIONS).finally(() => padded.close())
        assert.equal(report.imported, 1)
        const user = await authenticate(
          t.db,
          { username: 'padded', password: 'pw-padded-Rk2' },
          { policy: POLICY },
        )
        assert.equal(user?.username, 'padded')

        const pins = await openLegacyLoginTable(numeric.url)
        const pinReport = await importLegacyUsers(t.db, pins, OPTIONS).finally(() => pins.close())
        assert.deepEqual(
          pinReport.skipped.password_not_text.names.map((s) => s.username),
          ['pin'],
        )
      } finally {
        await t.close()
        await source.drop()
        await numeric.drop()
      }
    })

    test('a missing table or column is an error with a stable code, not an empty import', async () => {
      const noColumn = await createLoginTable(url, [], { columns: 'username text, pass text' })
      try {
        await assert.rejects(
          openLegacyLoginTable(`${url}?options=${encodeURIComponent('-c search_path=nowhere')}`),
          (error: LegacySourceError) => error.code === 'LEGACY_TABLE_MISSING',
        )
        await assert.rejects(
          openLegacyLoginTable(noColumn.url),
          (error: LegacySourceError) =>
            error.code === 'LEGACY_TABLE_MISSING' && /no column password/.test(error.message),
        )
      } finally {
        await noColumn.drop()
      }
    })
  },
)
