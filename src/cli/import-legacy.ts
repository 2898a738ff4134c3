import { mkdir } from 'node:fs/promises'
import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { importLegacyUsers } from '../auth/legacy-import.js'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { lockDataDir } from '../db/data-dir-lock.js'
import { DatabaseUnavailableError, type Database } from '../db/database.js'
import {
  checkLegacyUrl,
  describeServer,
  LegacySourceError,
  openLegacyLoginTable,
} from '../db/legacy-login-table.js'
import { migrate } from '../db/migrate.js'
import { openPGliteDatabase } from '../db/pglite.js'
import { openPostgresDatabase } from '../db/postgres.js'
import { formatImportReport } from './import-legacy-report.js'

// `npm run import-legacy -- --from postgres://…`: the original app's users into
// Logon's database, opened as the server opens it (DATABASE_URL, or the embedded
// one in DATA_DIR, locked so that no server runs on it meanwhile) and migrated.

const USAGE = `Usage: npm run import-legacy -- --from postgres://USER@HOST:PORT/DATABASE [--dry-run]

Creates a Logon account for each row of the original app's login(username, password)
table, with an argon2id hash of its plain-text password. Writes to the database the
server uses: DATABASE_URL, or the embedded one in DATA_DIR (stop the server first).
Safe to run twice. Put the source's password in PGPASSWORD or ~/.pgpass rather than in
the URL, which npm echoes and other users of the machine see in the process list.

  --from URL   the original app's PostgreSQL database (search_path may pick the schema:
               ?options=-c%20search_path%3Dmy_schema)
  --dry-run    check and report, write nothing
  --help       this text
`

// Each argon2 hash runs on a libuv worker thread (4 by default) with its memory cost.
const CONCURRENCY = Math.max(2, Math.min(4, availableParallelism()))

class UsageError extends Error {}

/** An error whose message is one line for the operator, prefixed with what caused it. */
class Failure extends Error {}

function blame(subject: string) {
  return (error: unknown): never => {
    throw new Failure(`${subject}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    })
  }
}

function readArguments(args: string[]): { from: string; dryRun: boolean } | 'help' {
  let values
  try {
    ;({ values } = parseArgs({
      args,
      options: {
        from: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }))
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0])
  }
  if (values.help) return 'help'
  if (!values.from) throw new UsageError('missing --from postgres://… (the original database)')
  try {
    checkLegacyUrl(values.from)
  } catch (error) {
    throw new UsageError(`--from ${(error as Error).message}`)
  }
  return { from: values.from, dryRun: values['dry-run'] }
}

interface Target {
  db: Database
  description: string
}

/** As src/main.ts opens it; `closers` gets what to close, newest first. */
async function openTarget(config: Config, closers: Array<() => Promise<void>>): Promise<Target> {
  if (config.databaseUrl) {
    const server = describeServer(config.databaseUrl)
    const db = openPostgresDatabase(config.databaseUrl, {
      max: CONCURRENCY + 1,
      onError: (error) =>
        process.stderr.write(
          `import-legacy: an idle DATABASE_URL connection failed: ${error.message}\n`,
        ),
    })
    closers.unshift(() => db.close())
    await db.ping().catch((error: Error) => {
      // As src/main.ts: the pool's own error only says "not answering", its cause says why.
      if (error instanceof DatabaseUnavailableError) {
        blame(`DATABASE_URL: the database at ${server} is not answering`)(error.cause)
      }
      blame(`DATABASE_URL: the database at ${server} refused the connection`)(error)
    })
    return { db, description: `the PostgreSQL database at ${server} (DATABASE_URL)` }
  }
  const dataDir = config.dataDir
  await mkdir(dataDir, { recursive: true }).catch(blame(`DATA_DIR: ${dataDir} cannot be used`))
  const lock = await lockDataDir(dataDir).catch(blame('DATA_DIR'))
  closers.unshift(() => lock.release())
  const db = await openPGliteDatabase(dataDir).catch(blame(`DATA_DIR: ${dataDir} cannot be used`))
  closers.unshift(() => db.close())
  return { db, description: `the embedded database in ${dataDir} (DATA_DIR)` }
}

/** The first SIGINT or SIGTERM stops after the accounts in flight; a second one exits. */
function stopOnSignals(): { signal: AbortSignal; exitCode(): number | undefined } {
  const controller = new AbortController()
  let received: NodeJS.Signals | undefined
  const onSignal = (name: NodeJS.Signals) => {
    if (received) process.exit(128 + (name === 'SIGINT' ? 2 : 15))
    received = name
    controller.abort()
    process.stderr.write(`import-legacy: ${name}: stopping after the accounts in progress\n`)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    exitCode: () => (received ? 128 + (received === 'SIGINT' ? 2 : 15) : undefined),
  }
}

async function run(args: string[]): Promise<number> {
  const options = readArguments(args)
  if (options === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  let config: Config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) throw new Failure(`invalid configuration: ${error.message}`)
    throw error
  }
  const stop = stopOnSignals()
  const closers: Array<() => Promise<void>> = []
  try {
    const source = await openLegacyLoginTable(options.from)
    closers.unshift(() => source.close())
    const target = await openTarget(config, closers)
    await migrate(target.db).catch(blame('migrating the target database failed'))
    process.stdout.write(
      `Importing the login table of the database at ${describeServer(options.from)} ` +
        `into ${target.description}.\n`,
    )
    const report = await importLegacyUsers(target.db, source, {
      passwordMinLength: config.passwordMinLength,
      passwordHash: config.passwordHash,
      concurrency: CONCURRENCY,
      dryRun: options.dryRun,
      signal: stop.signal,
      onBatch: process.stderr.isTTY
        ? (progress) =>
            process.stderr.write(
              `… ${progress.read} rows read, ${progress.imported} ${options.dryRun ? 'to import' : 'imported'}\n`,
            )
        : undefined,
    })
    process.stdout.write(formatImportReport(report))
    return stop.exitCode() ?? 0
  } finally {
    // Newest first: the embedded database closes before its DATA_DIR lock is released.
    for (const close of closers) await close().catch(() => {})
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof UsageError) return `${error.message} (see --help)`
  if (error instanceof LegacySourceError) return `--from: ${error.message}`
  if (error instanceof Failure) return error.message
  const message = error instanceof Error ? error.message : String(error)
  return (
    `the import stopped: ${message}. The accounts imported so far are kept; ` +
    'run the same command again to continue'
  )
}

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`import-legacy: ${describeFailure(error)}\n`)
    process.exitCode = error instanceof UsageError ? 2 : 1
  },
)
