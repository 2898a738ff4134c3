import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL, type EngineName } from '../helpers/databases.js'
import { createTestSchema } from '../helpers/pg-schema.js'

// Two handles on one fresh database, for the races of two instances starting
// together (two instances on one database behave as one).
// On postgres: two pools on one schema of their own, as two processes would have.
// PGlite lives inside one process, so both handles are the same instance and the
// race is between concurrent calls on it.

export interface TwoHandles {
  first: Database
  second: Database
  close(): Promise<void>
}

export async function openTwoHandles(
  engine: EngineName,
  { migrated = true } = {},
): Promise<TwoHandles> {
  if (engine === 'pglite') {
    const db = await openPGliteDatabase()
    if (migrated) await migrate(db)
    return { first: db, second: db, close: () => db.close() }
  }
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set')
  const schema = await createTestSchema(TEST_DATABASE_URL, 'logon_pair_')
  const first = openPostgresDatabase(TEST_DATABASE_URL, { options: schema.options })
  const second = openPostgresDatabase(TEST_DATABASE_URL, { options: schema.options })
  const close = async () => {
    await Promise.allSettled([first.close(), second.close()])
    await schema.drop()
  }
  if (migrated)
    await migrate(first).catch(async (error: unknown) => {
      await close()
      throw error
    })
  return { first, second, close }
}
