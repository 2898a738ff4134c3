import { mkdir } from 'node:fs/promises'
import type { Config } from '../config.js'
import { lockDataDir } from '../db/data-dir-lock.js'
import { DatabaseUnavailableError, type Database } from '../db/database.js'
import { openPGliteDatabase } from '../db/pglite.js'
import { openPostgresDatabase } from '../db/postgres.js'
import { describeServer } from '../db/postgres-errors.js'
import { blame } from './command.js'

export interface Target {
  db: Database
  description: string
}

/**
 * Opens the database the server uses, as src/main.ts opens it: DATABASE_URL, or the
 * embedded one in DATA_DIR with its lock (so no command writes beside a live server).
 * `closers` gets what to close, newest first; failures name the variable to blame.
 */
export async function openTarget(
  config: Config,
  closers: Array<() => Promise<void>>,
  { name, poolSize }: { name: string; poolSize: number },
): Promise<Target> {
  if (config.databaseUrl) {
    const server = describeServer(config.databaseUrl)
    const db = openPostgresDatabase(config.databaseUrl, {
      max: poolSize,
      onError: (error) =>
        process.stderr.write(`${name}: an idle DATABASE_URL connection failed: ${error.message}\n`),
    })
    closers.unshift(() => db.close())
    await db.ping().catch((error: Error) => {
      // As src/main.ts: the pool's own error only says "not answering", its cause says why.
      if (error instanceof DatabaseUnavailableError) {
        blame(`DATABASE_URL: ${server} is not answering`)(error.cause)
      }
      blame(`DATABASE_URL: ${server} refused the connection`)(error)
    })
    return {
      db,
      description: `${describeServer(config.databaseUrl, 'the PostgreSQL database')} (DATABASE_URL)`,
    }
  }
  const dataDir = config.dataDir
  await mkdir(dataDir, { recursive: true }).catch(blame(`DATA_DIR: ${dataDir} cannot be used`))
  const lock = await lockDataDir(dataDir).catch(blame('DATA_DIR'))
  closers.unshift(() => lock.release())
  const db = await openPGliteDatabase(dataDir).catch(blame(`DATA_DIR: ${dataDir} cannot be used`))
  closers.unshift(() => db.close())
  return { db, description: `the embedded database in ${dataDir} (DATA_DIR)` }
}
