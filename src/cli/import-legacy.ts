import { availableParallelism } from 'node:os'
import { fillUsernameSkeletons } from '../auth/fill-username-skeletons.js'
import { describeServer } from '../db/postgres-errors.js'
import { importLegacyUsers } from '../legacy-import/import-users.js'
import { openLegacyLoginTable } from '../legacy-import/login-table.js'
import { checkLegacyUrl, LegacySourceError } from '../legacy-import/source-error.js'
import { StartUpFailure } from '../start-up.js'
import { defineCommand, EXIT, UsageError, type CommandContext } from './command.js'
import { formatImportReport } from './import-legacy-report.js'
import { stopOnSignals } from './interruption.js'
import { progressLine } from './progress.js'

// `logon import-legacy --from postgres://…`: the original app's users into
// Logon's database, opened as the server opens it (DATABASE_URL, or the embedded
// one in DATA_DIR, locked so that no server runs on it meanwhile) and migrated.

const USAGE = `Usage: logon import-legacy --from postgres://USER@HOST:PORT/DATABASE [--dry-run]

Creates a Logon account for each row of the original app's login(username, password)
table, with an argon2id hash of its plain-text password. Writes to the database the
server uses: DATABASE_URL, or the embedded one in DATA_DIR (stop the server first).
Safe to run twice; Ctrl-C stops after the accounts in progress (exit 130), and the
same command then goes on from there. Put the source's password in PGPASSWORD or
~/.pgpass rather than in the URL, which npm echoes and other users of the machine see
in the process list.

  --from URL   the original app's PostgreSQL database (search_path may pick the schema:
               ?options=-c%20search_path%3Dmy_schema)
  --dry-run    check and report, write nothing
  --help       this text
`

const NAME = 'logon import-legacy'

// Each argon2 hash runs on a libuv worker thread (4 by default) with its memory cost.
const CONCURRENCY = Math.max(2, Math.min(4, availableParallelism()))

interface Options {
  from: string
  dryRun: boolean
}

async function run(options: Options, context: CommandContext): Promise<number> {
  const { config, startUp } = context
  const stop = stopOnSignals(NAME, 'stopping after the accounts in progress')
  const source = await startUp.step(
    () => openLegacyLoginTable(options.from),
    (source) => source.close(),
  )
  const target = await context.openDatabase({ poolSize: CONCURRENCY + 1 })
  // As the server's start does: look-alikes of accounts made before the skeletons
  // existed are then found by the skeleton column too.
  await fillUsernameSkeletons(target.db)
  process.stdout.write(
    `Importing the login table of ${describeServer(options.from)} ` +
      `into ${target.description}.\n`,
  )
  const line = progressLine({ label: NAME, unit: 'rows' })
  const report = await importLegacyUsers(target.db, source, {
    passwordMinLength: config.passwordMinLength,
    passwordHash: config.passwordHash,
    concurrency: CONCURRENCY,
    dryRun: options.dryRun,
    signal: stop.signal,
    onBatch: (progress, rows) =>
      line.update(
        progress.read,
        rows,
        `${progress.imported} ${options.dryRun ? 'to import' : 'imported'}`,
      ),
  })
  line.end()
  process.stdout.write(formatImportReport(report))
  return stop.received ? EXIT.interrupted : EXIT.ok
}

function describeFailure(error: unknown): string {
  if (error instanceof UsageError) return `${error.message} (see --help)`
  if (error instanceof LegacySourceError) return `--from: ${error.message}`
  if (error instanceof StartUpFailure) return error.message
  const message = error instanceof Error ? error.message : String(error)
  return (
    `the import stopped: ${message}. The accounts imported so far are kept; ` +
    'run the same command again to continue'
  )
}

export const importLegacyCommand = defineCommand({
  name: NAME,
  summary: "import the original app's login table",
  usage: USAGE,
  options: {
    from: { type: 'string' },
    'dry-run': { type: 'boolean', default: false },
  },
  check(values): Options {
    if (!values.from) throw new UsageError('missing --from postgres://… (the original database)')
    try {
      checkLegacyUrl(values.from)
    } catch (error) {
      throw new UsageError(`--from ${(error as Error).message}`)
    }
    return { from: values.from, dryRun: values['dry-run'] }
  },
  run,
  describeFailure,
})
