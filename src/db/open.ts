import { access, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.js'
import { StartUpFailure, type StartUp } from '../start-up.js'
import { lockDataDir } from './data-dir-lock.js'
import { DatabaseUnavailableError, type Database } from './database.js'
import { migrate } from './migrate.js'
import { openPostgresDatabase } from './postgres.js'
import { describeServer, messageOf } from './postgres-errors.js'

// The database the configuration names, opened and migrated the one way the server
// and every command open it: DATABASE_URL, or the embedded one in DATA_DIR with its
// lock (so no command writes beside a live server). Each step runs in `startUp`,
// which closes what was opened, newest first: the embedded database before its
// DATA_DIR lock is released. A failure is a StartUpFailure of one line that names
// the variable to blame (docs/contract.md: "a line that names the variable").

export interface OpenedDatabase {
  db: Database
  /** Which database, as a report names it: `the embedded database in ./data (DATA_DIR)`. */
  description: string
  /** The names of the migrations this start applied. */
  applied: string[]
}

export interface OpenOptions {
  /** Connections in the pool, with DATABASE_URL (node-postgres's default: 10). */
  poolSize?: number
  /** An idle connection of the pool failed; the pool replaces it. For the log. */
  onIdleError: (error: Error) => void
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>,
  startUp: StartUp,
  options: OpenOptions,
): Promise<OpenedDatabase> {
  const { db, description } = config.databaseUrl
    ? await openServer(config.databaseUrl, startUp, options)
    : await openEmbedded(config.dataDir, startUp)
  const applied = await startUp.step(() =>
    migrate(db).catch(blame(`migrating ${description} failed`)),
  )
  return { db, description, applied }
}

/**
 * A PostgreSQL server's database, connected (not migrated). A failure blames `name`,
 * the setting or argument that gave the URL: DATABASE_URL, or a command's target.
 */
export async function openServer(
  url: string,
  startUp: StartUp,
  options: OpenOptions & { name?: string },
) {
  const name = options.name ?? 'DATABASE_URL'
  const db = await startUp.step(
    async () => openPostgresDatabase(url, { max: options.poolSize, onError: options.onIdleError }),
    (db) => db.close(),
  )
  // The pool connects lazily: a first query tells a wrong URL from a failed migration.
  const server = describeServer(url)
  await startUp.step(() =>
    db.ping().catch((error: unknown) => {
      // The pool's own error only says "not answering"; its cause says why.
      if (error instanceof DatabaseUnavailableError) {
        throw new StartUpFailure(
          `${name}: ${server} is not answering (${messageOf(error.cause)})`,
          { cause: error },
        )
      }
      blame(`${name}: ${server} refused the connection`)(error)
    }),
  )
  return { db, description: `${describeServer(url, 'the PostgreSQL database')} (${name})` }
}

async function openEmbedded(dataDir: string, startUp: StartUp) {
  const unusable = blame(`DATA_DIR: ${dataDir} cannot be used`)
  await startUp.step(() => mkdir(dataDir, { recursive: true }).catch(unusable))
  await startUp.step(
    () => lockDataDir(dataDir).catch(blame('DATA_DIR')),
    (lock) => lock.release(), // once the database has closed: closers run newest first
  )
  const db = await startUp.step(
    // Loaded only for the embedded engine: PGlite's module is large, and a process on
    // DATABASE_URL has no use for it in memory.
    async () => {
      const { openPGliteDatabase } = await import('./pglite.js')
      return openPGliteDatabase(dataDir).catch(unusable)
    },
    (db) => db.close(),
  )
  return { db, description: `the embedded database in ${dataDir} (DATA_DIR)` }
}

/**
 * Whether DATA_DIR already holds an embedded database (PostgreSQL's PG_VERSION file),
 * for a command that must not make an empty one where it expected data.
 */
export async function holdsEmbeddedDatabase(dataDir: string): Promise<boolean> {
  return access(join(dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  )
}

/** Rethrows as one line: `subject: the error's message`. */
function blame(subject: string) {
  return (error: unknown): never => {
    throw new StartUpFailure(`${subject}: ${messageOf(error)}`, { cause: error })
  }
}
