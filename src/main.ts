import closeWithGrace from 'close-with-grace'
import cluster from 'node:cluster'
import { pino } from 'pino'
import { buildApp, loggerOptions, metricsOf } from './app.js'
import { fillUsernameSkeletons } from './auth/fill-username-skeletons.js'
import { loadServerSecret } from './auth/server-secret.js'
import { ConfigError, loadConfig, type Config } from './config.js'
import { openDatabase } from './db/open.js'
import { closeGracefully } from './http/graceful-close.js'
import { runPrimary } from './cluster.js'
import { serveMetrics } from './metrics/server.js'
import { StartUp, StartUpFailure } from './start-up.js'

// Process entry: config → database → migrate → buildApp → listen, and a graceful
// stop on SIGTERM/SIGINT (docs/contract.md: finish in-flight requests, close the
// database, exit 0 within 10 s), from the first step of start-up on.
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
    const { db, applied } = await openDatabase(config, startUp, {
      onIdleError: (error) => log.warn({ err: error }, 'idle database connection failed'),
      onWarning: (message) => log.warn(message),
    })
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
    const app = await startUp.step(
      () => buildApp({ config, db, secret, logger: log }),
      closeGracefully,
    )
    const metrics = metricsOf(app)
    const metricsPort = config.metricsPort
    if (metrics && metricsPort !== undefined) {
      await startUp.step(
        () =>
          serveMetrics(metrics.registry, { host: config.host, port: metricsPort }).catch(
            (error) => {
              const problem = listenProblem(error as NodeJS.ErrnoException, {
                ...config,
                port: metricsPort,
              })
              throw new StartUpFailure(problem.replace(/^PORT/, 'METRICS_PORT'), { cause: error })
            },
          ),
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      )
    }
    await startUp.step(() =>
      app.listen({ host: config.host, port: config.port }).catch((error) => {
        throw new StartUpFailure(listenProblem(error as NodeJS.ErrnoException, config), {
          cause: error,
        })
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

const config = readConfig()
if (config.webConcurrency > 1 && cluster.isPrimary) {
  runPrimary(config, pino(loggerOptions(config.logLevel) as pino.LoggerOptions))
} else {
  start()
}

function start() {
  main().catch((error: unknown) => {
    process.stderr.write(
      `Logon could not start: ${error instanceof Error ? error.message : String(error)}\n`,
    )
    process.exit(1)
  })
}
