import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Database } from '../../src/db/database.js'
import { loadMigrations, migrate, type Migration } from '../../src/db/migrate.js'
import { engines, openTestDatabase, TEST_DATABASE_URL } from '../helpers/databases.js'
import { openTwoHandles } from './two-handles.js'

// Numbered .sql files applied in order, once, in a
// transaction, under an advisory lock so that two instances starting together
// do not race.

interface AppliedRow {
  version: number
  name: string
  applied_at: Date
}

async function appliedRows(db: Database): Promise<AppliedRow[]> {
  const [exists] = await db.query<{ t: string | null }>(
    `SELECT to_regclass('schema_migrations')::text AS t`,
  )
  if (!exists?.t) return []
  return db.query<AppliedRow>(
    'SELECT version, name, applied_at FROM schema_migrations ORDER BY version',
  )
}

async function tableExists(db: Database, name: string): Promise<boolean> {
  const [row] = await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [name])
  return row!.t !== null
}

/** Runs fn on a fresh, unmigrated database of `engine`, closed afterwards. */
async function withFreshDatabase(
  engine: Parameters<typeof openTestDatabase>[0],
  fn: (db: Database) => Promise<void>,
): Promise<void> {
  const { db, close } = await openTestDatabase(engine, { migrated: false })
  try {
    await fn(db)
  } finally {
    await close()
  }
}

const okMigration: Migration = {
  version: 1,
  name: '0001_contract_ok.sql',
  sql: 'CREATE TABLE contract_ok (id integer PRIMARY KEY); INSERT INTO contract_ok VALUES (1);',
}
const brokenMigration: Migration = {
  version: 2,
  name: '0002_contract_broken.sql',
  sql: 'CREATE TABLE contract_half (id integer); SELEC 1;',
}

for (const engine of engines) {
  describe(`migrate (${engine})`, { timeout: 60_000 }, () => {
    test('the migration files are numbered, unique and sorted by version', async () => {
      const migrations = await loadMigrations()
      assert.ok(migrations.length >= 3, 'users, sessions and server_secrets at least')
      const versions = migrations.map((m) => m.version)
      assert.deepEqual(
        versions,
        [...new Set(versions)].sort((a, b) => a - b),
      )
      for (const m of migrations) assert.equal(Number(m.name.slice(0, 4)), m.version, m.name)
    })

    test('migrate on a fresh database applies every file in order and records each in schema_migrations', async () => {
      const files = await loadMigrations()
      await withFreshDatabase(engine, async (db) => {
        const applied = await migrate(db)
        assert.deepEqual(
          applied,
          files.map((m) => m.name),
        )
        const rows = await appliedRows(db)
        assert.deepEqual(
          rows.map(({ version, name }) => ({ version, name })),
          files.map(({ version, name }) => ({ version, name })),
        )
        for (const row of rows) assert.ok(row.applied_at instanceof Date)
        for (const table of ['users', 'sessions', 'server_secrets'])
          assert.ok(await tableExists(db, table), `${table} exists`)
      })
    })

    test('a second migrate applies nothing and leaves schema_migrations as it was', async () => {
      await withFreshDatabase(engine, async (db) => {
        await migrate(db)
        const before = await appliedRows(db)
        assert.deepEqual(await migrate(db), [])
        assert.deepEqual(await appliedRows(db), before)
      })
    })

    test('a migration added later is applied alone, after the ones already applied', async () => {
      await withFreshDatabase(engine, async (db) => {
        const files = await loadMigrations()
        await migrate(db)
        const later: Migration = {
          version: 9001,
          name: '9001_contract_later.sql',
          sql: 'ALTER TABLE users ADD COLUMN contract_note text',
        }
        assert.deepEqual(await migrate(db, [...files, later]), [later.name])
        const rows = await appliedRows(db)
        assert.deepEqual(
          rows.map((r) => r.version),
          [...files.map((m) => m.version), 9001],
        )
      })
    })

    test('a failing migration rolls back every migration of the run and rejects with its error', async () => {
      await withFreshDatabase(engine, async (db) => {
        await assert.rejects(migrate(db, [okMigration, brokenMigration]), { code: '42601' })
        assert.equal(await tableExists(db, 'contract_ok'), false, 'the first entry is undone')
        assert.equal(await tableExists(db, 'contract_half'), false, 'the failing entry is undone')
        assert.deepEqual(await appliedRows(db), [], 'no schema_migrations rows')
      })
    })

    test('a failing migration keeps the ones applied by earlier runs and records none of its run', async () => {
      await withFreshDatabase(engine, async (db) => {
        const files = await loadMigrations()
        await migrate(db)
        const before = await appliedRows(db)
        const later = { ...okMigration, version: 9001, name: '9001_contract_ok.sql' }
        const broken = { ...brokenMigration, version: 9002, name: '9002_contract_broken.sql' }
        const run = [...files, later, broken]
        await assert.rejects(migrate(db, run), { code: '42601' })
        assert.deepEqual(await appliedRows(db), before)
        assert.equal(await tableExists(db, 'contract_ok'), false)
        assert.ok(await tableExists(db, 'users'))

        const fixed = [...files, later, { ...broken, sql: 'SELECT 1' }]
        assert.deepEqual(
          await migrate(db, fixed),
          [later.name, broken.name],
          'once fixed, the same run applies',
        )
      })
    })

    test('two concurrent migrate calls on one Database apply each migration exactly once', async () => {
      const files = await loadMigrations()
      await withFreshDatabase(engine, async (db) => {
        const results = await Promise.all([migrate(db), migrate(db)])
        assert.deepEqual(
          [...results].sort((a, b) => b.length - a.length),
          [files.map((m) => m.name), []],
        )
        assert.equal((await appliedRows(db)).length, files.length)
      })
    })
  })
}

describe(
  'migrate from two instances (postgres)',
  {
    skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL',
    timeout: 60_000,
  },
  () => {
    async function raceOnFreshSchema(migrations: Migration[] | undefined) {
      const expected = migrations ?? (await loadMigrations())
      const { first, second, close } = await openTwoHandles('postgres', { migrated: false })
      try {
        const results = await Promise.all([migrate(first, migrations), migrate(second, migrations)])
        assert.deepEqual(
          [...results].sort((a, b) => b.length - a.length),
          [expected.map((m) => m.name), []],
          'one call applied everything, the other nothing',
        )
        const rows = await appliedRows(first)
        assert.deepEqual(
          rows.map((r) => r.version),
          expected.map((m) => m.version),
        )
      } finally {
        await close()
      }
    }

    test('two concurrent migrate calls on two connections to one fresh schema both succeed and apply each migration once', async () => {
      await raceOnFreshSchema(undefined)
    })

    test('a slow first migration makes the second instance wait for the lock rather than apply it again', async () => {
      // The sleep keeps the first transaction open until the second has surely
      // started: without the lock, its CREATE TABLE schema_migrations would fail.
      const [first, ...rest] = await loadMigrations()
      await raceOnFreshSchema([{ ...first!, sql: `SELECT pg_sleep(0.3);\n${first!.sql}` }, ...rest])
    })
  },
)
