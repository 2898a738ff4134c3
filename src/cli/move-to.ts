import { isPostgresUrl } from '../config/values.js'
import {
  DEFAULT_BATCH_ROWS,
  MoveError,
  MoveStopped,
  moveToPostgres,
  type MoveReport,
} from '../db/move-to-postgres.js'
import { holdsEmbeddedDatabase, openDatabase, openServer } from '../db/open.js'
import { describeServer, messageOf } from '../db/postgres-errors.js'
import { StartUpFailure } from '../start-up.js'
import { defineCommand, EXIT, UsageError, type CommandContext } from './command.js'
import { stopOnSignals } from './interruption.js'
import { progressLine } from './progress.js'

// `logon move-to postgres://…`: from the embedded database (DATA_DIR, stopped) to a
// PostgreSQL server, the step up a laptop install takes when it becomes a service.
// The copy itself is src/db/move-to-postgres.ts; this is the command line around it.

const NAME = 'logon move-to'

const USAGE = `Usage: logon move-to [--batch-size N] postgres://USER@HOST:PORT/DATABASE

Copies the embedded database in DATA_DIR into an empty PostgreSQL database: every
table (accounts, sessions, second factors, passkeys, sign-in limits, the server
secret that signs cookies), in one transaction, with the row count of every table
checked before the commit. Stop the server first: the command refuses a DATA_DIR in
use. Both sides are brought to the current schema first (the embedded one as a start
of the server would); nothing else in DATA_DIR changes, so it stays as a backup. A
failure or Ctrl-C rolls the copy back and leaves the target as it was. Then start the
server on it, DATABASE_URL=postgres://… npm start: every account, session and limit
is there, and whoever was signed in still is.

The target must hold no Logon data (an empty database, or one \`logon migrate\` made);
search_path may pick its schema: ?options=-c%20search_path%3Dmy_schema. Put its
password in PGPASSWORD or ~/.pgpass rather than in the URL, which npm echoes and
other users of the machine see in the process list.

  --batch-size N   rows read and written per statement (default ${DEFAULT_BATCH_ROWS})
  --help           this text
`

interface Options {
  url: string
  batchRows: number
}

async function run({ url, batchRows }: Options, { config, startUp }: CommandContext) {
  if (config.databaseUrl) {
    throw new StartUpFailure(
      'DATABASE_URL is set: move-to copies the embedded database in DATA_DIR, ' +
        'which a server on DATABASE_URL does not use; run it without DATABASE_URL',
    )
  }
  // Opening a folder without one would make a new, empty database there.
  if (!(await holdsEmbeddedDatabase(config.dataDir))) {
    throw new StartUpFailure(`DATA_DIR: ${config.dataDir} holds no embedded database to move`)
  }
  const stop = stopOnSignals(NAME, 'rolling the copy back')
  const onIdleError = (error: Error) =>
    process.stderr.write(`${NAME}: an idle connection to the target failed: ${error.message}\n`)
  // The target first: a wrong URL is told without loading the embedded engine.
  const target = await openServer(url, undefined, startUp, {
    poolSize: 1,
    onIdleError,
    onWarning: (message) => process.stderr.write(`${NAME}: ${message}\n`),
    name: 'the target',
  })
  // As the server opens it: locked (no server may run on it meanwhile) and migrated.
  const source = await openDatabase(
    { databaseUrl: undefined, databaseListenUrl: undefined, dataDir: config.dataDir },
    startUp,
    { onIdleError, onWarning: (message) => process.stderr.write(`${NAME}: ${message}\n`) },
  )
  if (source.applied.length > 0) {
    process.stderr.write(`Migrated ${source.description}: ${source.applied.join(', ')}.\n`)
  }
  process.stderr.write(`Copying ${source.description} into ${target.description}.\n`)
  const started = performance.now()
  const progress = progressLine({ label: NAME, unit: 'rows' })
  let report: MoveReport
  try {
    report = await moveToPostgres(source.db, target.db, {
      batchRows,
      signal: stop.signal,
      onProgress: ({ copied, total, table }) => progress.update(copied, total, table),
    })
  } catch (error) {
    progress.end()
    const nothingWritten = `nothing was written to ${describeServer(url)} and DATA_DIR is unchanged`
    if (error instanceof MoveStopped) {
      process.stderr.write(
        `${NAME}: stopped by ${stop.received}: the copy was rolled back; ${nothingWritten}\n`,
      )
      return EXIT.interrupted
    }
    const line =
      error instanceof MoveError
        ? `the target: ${error.message}; ${nothingWritten}`
        : `the move failed: ${messageOf(error)}; ${nothingWritten} (rolled back)`
    throw new Error(line, { cause: error })
  }
  progress.end()
  const width = Math.max(...report.tables.map((t) => t.name.length))
  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  process.stdout.write(
    report.tables.map((t) => `  ${t.name.padEnd(width)}  ${t.rows}\n`).join('') +
      (report.migrationsApplied.length > 0
        ? `Made the schema on the target: ${report.migrationsApplied.length} migrations.\n`
        : '') +
      `Moved ${report.rows} rows in ${report.tables.length} tables in ${seconds} s; ` +
      "every table's row count matched.\n" +
      `The embedded database in ${config.dataDir} (DATA_DIR) is unchanged: keep it as a ` +
      'backup, but start no server on it again (new data goes to PostgreSQL now).\n' +
      `Next: DATABASE_URL=<the URL you gave> npm start (${describeServer(url)}).\n` +
      // A configured secret is not in the database: a server with another one would
      // refuse every signed cookie and could not read the second factors' secrets.
      (config.secretKey ? 'SECRET_KEY is set: give that server the same SECRET_KEY.\n' : ''),
  )
  return EXIT.ok
}

export const moveToCommand = defineCommand({
  name: NAME,
  summary: 'copy the embedded database into an empty PostgreSQL database',
  usage: USAGE,
  options: { 'batch-size': { type: 'string' } },
  arguments: ['postgres://…'],
  check(values, [url]): Options {
    if (!isPostgresUrl(url!)) throw new UsageError('the target must be a postgres:// URL')
    const batch = values['batch-size']
    if (batch !== undefined && !/^[1-9]\d{0,6}$/.test(batch)) {
      throw new UsageError('--batch-size must be a whole number from 1 to 9999999')
    }
    return { url: url!, batchRows: batch === undefined ? DEFAULT_BATCH_ROWS : Number(batch) }
  },
  run,
})
