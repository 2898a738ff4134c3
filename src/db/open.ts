import { access, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Config } from '../config.js'
import { StartUpFailure, type StartUp } from '../start-up.js'
import { lockDataDir } from './data-dir-lock.js'
import { DatabaseUnavailableError, type Database } from './database.js'
import { migrate } from './migrate.js'
import { checkListenUrl } from './listen-url-check.js'
import { openPostgresDatabase, type PostgresOptions } from './postgres.js'
import { describeServer, isStartupOptionsRefusal, messageOf } from './postgres-errors.js'
import { serverTimeoutsMissing } from './postgres-timeouts.js'

// The database the configuration names, opened and migrated the one way the server
// and every command open it: DATABASE_URL, or the embedded one in DATA_DIR with its
// lock (so no command writes beside a live server). Each step runs in `startUp`,
// which closes what was opened, newest first: the embedded database before its
// DATA_DIR lock is released. On a server, DATABASE_LISTEN_URL is checked too
// (listen-url-check.ts). A failure is a StartUpFailure of one line that names
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
  /** Something the operator should put right, though the start goes on. For the log. */
  onWarning: (message: string) => void
}

export async function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'databaseListenUrl' | 'dataDir'>,
  startUp: StartUp,
  options: OpenOptions,
): Promise<OpenedDatabase> {
  const { db, description } = config.databaseUrl
    ? await openServer(config.databaseUrl, config.databaseListenUrl, startUp, options)
    : await openEmbedded(config.dataDir, startUp)
  const applied = await startUp.step(() =>
    migrate(db).catch(blame(`migrating ${description} failed`)),
  )
  return { db, description, applied }
}

/**
 * A PostgreSQL server's database, connected (not migrated). A failure blames `name`,
 * the setting or argument that gave the URL: DATABASE_URL, or a command's target.
 * DATABASE_LISTEN_URL (`listenUrl`) is checked against it when given.
 */
export async function openServer(
  url: string,
  listenUrl: string | undefined,
  startUp: StartUp,
  options: OpenOptions & { name?: string },
) {
  const name = options.name ?? 'DATABASE_URL'
  const server = describeServer(url)
  const db = await startUp.step(
    () =>
      connectServer(url, {
        max: options.poolSize,
        onError: options.onIdleError,
        listenUrl,
      }).catch((error: unknown) => {
        throw connectionFailure(name, server, error)
      }),
    (db) => db.close(),
  )
  const missing = await startUp.step(() =>
    serverTimeoutsMissing(db).catch(blame(`${name}: ${server}`)),
  )
  if (missing.length > 0) {
    options.onWarning(
      `${name}: statements outside a transaction run without a server-side ${missing.join(' or ')} ` +
        `(a connection pooler passes on no startup options): set ${missing.join(' and ')} to '2s' ` +
        `for Logon's role (ALTER ROLE … IN DATABASE … SET …; docs/deploy.md, "PgBouncer")`,
    )
  }
  if (listenUrl) {
    await startUp.step(() =>
      checkListenUrl(db, listenUrl).catch((error: unknown) => {
        if (error instanceof StartUpFailure) throw error
        throw connectionFailure('DATABASE_LISTEN_URL', describeServer(listenUrl), error)
      }),
    )
  }
  return { db, description: `${describeServer(url, 'the PostgreSQL database')} (${name})` }
}

/**
 * The pool, once it has answered a first query (it connects lazily: the query tells a
 * wrong URL from a failed migration). PgBouncer refuses the startup options that set
 * the server-side timeouts; through it, they are set at the start of each transaction.
 */
async function connectServer(url: string, opts: PostgresOptions): Promise<Database> {
  const db = openPostgresDatabase(url, opts)
  const refused = await pingOrClose(db).then(
    () => false,
    (error: unknown) => {
      if (isStartupOptionsRefusal(error)) return true
      throw error
    },
  )
  if (!refused) return db
  const pooled = openPostgresDatabase(url, { ...opts, serverTimeouts: 'transaction' })
  await pingOrClose(pooled)
  return pooled
}

async function pingOrClose(db: Database): Promise<void> {
  try {
    await db.ping()
  } catch (error) {
    await db.close().catch(() => {})
    throw error
  }
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

/** Why `variable`'s server could not be used, in one line. */
function connectionFailure(variable: string, server: string, error: unknown) {
  // The pool's own error only says "not answering"; its cause says why.
  const message = messageOf(error instanceof DatabaseUnavailableError ? error.cause : error)
  const problem = isStartupOptionsRefusal(error)
    ? `${server} refuses startup options, as a connection pooler does (drop the URL's options)`
    : error instanceof DatabaseUnavailableError
      ? `${server} is not answering`
      : `${server} refused the connection`
  return new StartUpFailure(`${variable}: ${problem} (${message})`, { cause: error })
}

/** Rethrows as one line: `subject: the error's message`. */
function blame(subject: string) {
  return (error: unknown): never => {
    throw new StartUpFailure(`${subject}: ${messageOf(error)}`, { cause: error })
  }
}
