import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { createTestSchema } from './pg-schema.js'

// One contract suite runs against every engine: PGlite always, the
// real PostgreSQL server when TEST_DATABASE_URL is set. Each test database is
// fresh: an in-memory PGlite, or a schema of its own on the server, dropped after.

export type EngineName = 'pglite' | 'postgres'

export interface TestDatabase {
  db: Database
  close(): Promise<void>
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL || undefined

export async function openTestDatabase(
  engine: EngineName,
  { migrated = true } = {},
): Promise<TestDatabase> {
  if (engine === 'pglite') {
    const db = await openPGliteDatabase()
    if (migrated) await migrate(db)
    return { db, close: () => db.close() }
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set')
  const schema = await createTestSchema(TEST_DATABASE_URL, 'logon_test_')
  const db = openPostgresDatabase(TEST_DATABASE_URL, { options: schema.options })
  if (migrated) await migrate(db)
  return {
    db,
    async close() {
      await db.close()
      await schema.drop()
    },
  }
}

/** The engines this run covers, for `for (const engine of engines) describe(...)`. */
export const engines: EngineName[] = TEST_DATABASE_URL ? ['pglite', 'postgres'] : ['pglite']
