import { readdir, readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Database, Queryable } from './database.js'

// src/db/ and dist/db/ both sit two levels below the project root.
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url))

// Any constant works; it only has to be the same for every instance of Logon.
const MIGRATION_LOCK_KEY = 7_160_334_561
// Waiting for another instance's migrations, or building an index on a big table,
// may take longer than a request's statement timeout (client side, as below).
const MIGRATION_TIMEOUT_MS = 10 * 60_000

export interface Migration {
  version: number
  name: string
  sql: string
}

export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((file) => file.endsWith('.sql')).sort()
  // A misnamed file would otherwise be skipped without a word.
  const misnamed = files.find((file) => !/^\d{4}_[\w-]+\.sql$/.test(file))
  if (misnamed) throw new Error(`migration file name must be NNNN_name.sql: ${misnamed}`)
  return Promise.all(
    files.map(async (file) => ({
      version: Number(file.slice(0, 4)),
      name: file,
      sql: await readFile(`${dir}/${file}`, 'utf8'),
    })),
  )
}

/**
 * Applies the migrations not yet applied, in order, in one transaction, under an
 * advisory lock so that two instances starting together do not race.
 * Returns the names applied. A failing migration rolls everything back and throws.
 */
export async function migrate(db: Database, migrations?: Migration[]): Promise<string[]> {
  const all = migrations ?? (await loadMigrations())
  return db.transaction((tx) => applyMigrations(tx, all), { timeoutMs: MIGRATION_TIMEOUT_MS })
}

/**
 * migrate()'s work inside a transaction the caller holds (`logon move-to` makes the
 * schema and copies the rows in one): the advisory lock is held until that
 * transaction ends, and its rollback undoes the migrations too.
 */
export async function applyMigrations(tx: Queryable, migrations: Migration[]): Promise<string[]> {
  // A migration may wait for a lock or build an index for longer than a request may.
  await tx.exec('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0')
  await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY])
  await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY,
      name text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now()
    )`)
  const rows = await tx.query<{ version: number }>('SELECT version FROM schema_migrations')
  const applied = new Set(rows.map((row) => row.version))
  const pending = migrations.filter((m) => !applied.has(m.version))
  for (const migration of pending) {
    await tx.exec(migration.sql)
    await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [
      migration.version,
      migration.name,
    ])
  }
  return pending.map((m) => m.name)
}
