import closeWithGrace from 'close-with-grace'
import { mkdir } from 'node:fs/promises'
import { pino } from 'pino'
import { buildApp, loggerOptions } from './app.js'
import { loadServerSecret } from './auth/server-secret.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import type { Database } from './db/database.js'
import { migrate } from './db/migrate.js'
import { openPGliteDatabase } from './db/pglite.js'
import { openPostgresDatabase } from './db/postgres.js'

// Process entry: config → database → migrate → buildApp → listen, and a graceful
// stop on SIGTERM/SIGINT (CONTRACT.md: finish in-flight requests, close the
// database, exit 0 within 10 s).
const SHUTDOWN_GRACE_MS = 9_000

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

async function openDatabase(config: Config, log: pino.Logger): Promise<Database> {
  if (config.databaseUrl) {
    return openPostgresDatabase(config.databaseUrl, {
      onError: (error) => log.warn({ err: error }, 'idle database connection failed'),
    })
  }
  await mkdir(config.dataDir, { recursive: true })
  return openPGliteDatabase(config.dataDir)
}

async function main() {
  const config = readConfig()
  const log = pino(loggerOptions(config.logLevel) as pino.LoggerOptions)
  const db = await openDatabase(config, log)
  const applied = await migrate(db)
  if (applied.length > 0) log.info({ migrations: applied }, 'migrations applied')
  const secret = await loadServerSecret(db, config.secretKey)
  const app = await buildApp({ config, db, secret, logger: log })
  app.addHook('onClose', async () => db.close())

  closeWithGrace({ delay: SHUTDOWN_GRACE_MS }, async ({ signal, err }) => {
    if (err) log.error({ err }, 'stopping after an unexpected error')
    else log.info({ signal }, 'stopping')
    await app.close()
  })

  await app.listen({ port: config.port, host: config.host })
}

main().catch((error: unknown) => {
  process.stderr.write(
    `Logon could not start: ${error instanceof Error ? error.message : String(error)}\n`,
  )
  process.exit(1)
})
