import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { mkdir } from 'node:fs/promises'
import { pino } from 'pino'
import { buildApp, loggerOptions } from './app.js'
import { fillUsernameSkeletons } from './auth/fill-username-skeletons.js'
import { loadServerSecret } from './auth/server-secret.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { lockDataDir } from './db/data-dir-lock.js'
import { DatabaseUnavailableError } from './db/database.js'
import { migrate } from './db/migrate.js'
import { openPostgresDatabase } from './db/postgres.js'
import { StartUp } from './start-up.js'

// Process entry: config → database → migrate → buildApp → listen, and a graceful
// stop on SIGTERM/SIGINT (docs/contract.md: finish in-flight requests, close the
// database, exit 0 within 10 s), from the first step of start-up on.
const SHUTDOWN_GRACE_MS = 9_000
// app.close() waits for every request in progress, even one whose client sends its
// body a byte a second: such clients are cut off in time for the database to close.
const CUT_SLOW_CLIENTS_AFTER_MS = 6_000

function readConfig(): Config {
  try {
    return loadConfig(process.env)
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`Invalid configuration: ${error.message}\n`)
      process.exit(1)
    }
    throw error
  }
}

/** Rethrows a failure caused by `variable`'s value as one line that names it. */
function blame(variable: string, describe: (error: Error) => string) {
  return (error: unknown): never => {
    const cause = error instanceof Error ? error : new Error(String(error))
    throw new Error(`${variable}: ${describe(cause)}`, { cause })
  }
}

/** Host and port only: the URL may hold a password. */
function describeServer(databaseUrl: string): string {
  try {
    const { hostname, port } = new URL(databaseUrl)
    return `the database at ${hostname}:${port || 5432}`
  } catch {
    return 'the database'
  }
}

async function openPostgres(databaseUrl: string, log: pino.Logger, startUp: StartUp) {
  const db = await startUp.step(
    async () =>
      openPostgresDatabase(databaseUrl, {
        onError: (error) => log.warn({ err: error }, 'idle database connection failed'),
      }),
    (db) => db.close(),
  )
  // The pool connects lazily: a first query tells a wrong URL from a failed migration.
  const server = describeServer(databaseUrl)
  const unreachable = blame('DATABASE_URL', (error) =>
    error instanceof DatabaseUnavailableError
      ? `${server} is not answering (${(error.cause as Error).message})`
      : `${server} refused the connection: ${error.message}`,
  )
  await startUp.step(() => db.ping().catch(unreachable))
  return db
}

async function openEmbedded(dataDir: string, startUp: StartUp) {
  const unusable = blame('DATA_DIR', (error) => `${dataDir} cannot be used: ${error.message}`)
  await startUp.step(() => mkdir(dataDir, { recursive: true }).catch(unusable))
  await startUp.step(
    () => lockDataDir(dataDir).catch(blame('DATA_DIR', (error) => error.message)),
    (lock) => lock.release(), // once the database has closed: closers run newest first
  )
  return startUp.step(
    // Loaded only for the embedded engine: PGlite's module is large, and a server on
    // DATABASE_URL has no use for it in memory.
    async () => {
      const { openPGliteDatabase } = await import('./db/pglite.js')
      return openPGliteDatabase(dataDir).catch(unusable)
    },
    (db) => db.close(),
  )
}

async function closeApp(app: FastifyInstance) {
  const cutSlowClients = setTimeout(
    () => app.server.closeAllConnections(),
    CUT_SLOW_CLIENTS_AFTER_MS,
  )
  try {
    await app.close()
  } finally {
    clearTimeout(cutSlowClients)
  }
}

/** Which of HOST and PORT made listen fail, and how. */
function listenProblem(error: NodeJS.ErrnoException, { host, port }: Config): string {
  switch (error.code) {
    case 'EADDRINUSE':
      return `PORT: ${port} on ${host} is in use by another process`
    case 'EACCES':
      return `PORT: no permission to listen on port ${port}`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `HOST: ${host} does not resolve to an address`
    case 'EADDRNOTAVAIL':
      return `HOST: ${host} is not an address of this machine`
    default:
      return `HOST, PORT: cannot listen on ${host}:${port}: ${error.message}`
  }
}

async function main() {
  const config = readConfig()
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions)
  const startUp = new StartUp()
  // Installed before anything opens: creating a fresh embedded database takes
  // seconds, and a signal meanwhile must still close it and exit 0.
  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error')
    else log.info({ signal }, 'stopping')
    await startUp.stop()
  })

  try {
    const db = config.databaseUrl
      ? await openPostgres(config.databaseUrl, log, startUp)
      : await openEmbedded(config.dataDir, startUp)
    const applied = await startUp.step(() => migrate(db))
    if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied')
    const skeletons = await startUp.step(() => fillUsernameSkeletons(db))
    if (skeletons.filled > 0) log.info({ accounts: skeletons.filled }, 'username skeletons filled')
    if (skeletons.lookAlikes.length > 0) {
      log.warn(
        { accounts: skeletons.lookAlikes.length },
        'existing accounts have names that look like earlier ones: npm run confusable-names lists them',
      )
    }
    const secret = await startUp.step(() => loadServerSecret(db, config.secretKey))
    const app = await startUp.step(() => buildApp({ config, db, secret, logger: log }), closeApp)
    await startUp.step(() =>
      app.listen({ host: config.host, port: config.port }).catch((error) => {
        throw new Error(listenProblem(error as NodeJS.ErrnoException, config), { cause: error })
      }),
    )
  } catch (error) {
    // After a signal, start-up ends here whatever the step did: the stop exits 0.
    if (startUp.stopping) return
    // Close what was opened (and release DATA_DIR) before reporting the failure.
    await startUp.stop().catch(() => {})
    throw error
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Logon could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  process.exit(1)
})
