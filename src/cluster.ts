import cluster, { type Worker } from 'node:cluster'
import type { Logger } from 'pino'
import type { Config } from './config.js'

// WEB_CONCURRENCY=N (docs/deploy.md): N worker processes share PORT through node:cluster,
// each a whole Logon (its pool, its caches, fresh through the change feed), on one
// PostgreSQL. The primary only watches them: a worker that dies is replaced (after a
// pause if workers keep dying at start, so a broken setting does not spin), and SIGTERM
// or SIGINT is passed on to every worker, each of which drains as a single process does
// (in-flight requests finish, within 10 s); the primary exits 0 when all are gone.
// METRICS_PORT is refused with N > 1 for now (config.ts): a scrape would reach one
// worker at a time and see its counts only.

const QUICK_DEATH_MS = 5_000
const RESTART_PAUSE_MS = 1_000
const STOP_GRACE_MS = 12_000

export function runPrimary(config: Config, log: Logger): void {
  let stopping = false
  const startedAt = new Map<Worker, number>()

  const fork = () => {
    const worker = cluster.fork()
    startedAt.set(worker, Date.now())
  }

  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker) ?? 0)
    startedAt.delete(worker)
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0)
      return
    }
    log.warn({ pid: worker.process.pid, code, signal, livedMs: lived }, 'worker died: replacing it')
    if (lived < QUICK_DEATH_MS) setTimeout(fork, RESTART_PAUSE_MS)
    else fork()
  })

  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return
    stopping = true
    log.info({ signal, workers: startedAt.size }, 'stopping the workers')
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGTERM')
    if (startedAt.size === 0) process.exit(0)
    // A worker that does not stop in time is killed; the primary still exits 0.
    setTimeout(() => {
      for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill('SIGKILL')
      process.exit(0)
    }, STOP_GRACE_MS).unref()
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))

  log.info({ workers: config.webConcurrency }, 'starting workers')
  for (let i = 0; i < config.webConcurrency; i++) fork()
}
