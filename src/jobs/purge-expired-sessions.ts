import type { FastifyBaseLogger } from 'fastify'
import { deleteExpiredSessions } from '../auth/sessions.js'
import type { SessionPolicy } from '../config.js'
import type { Database } from '../db/database.js'

const BATCH_SIZE = 1_000
const MAX_BATCHES_PER_RUN = 20

/**
 * Deletes expired sessions every `intervalMs`, in bounded batches so one run never
 * holds locks long (DESIGN.md). Validation already refuses expired rows; this only
 * keeps the table from growing forever. Failures are logged and retried next run.
 */
export function startSessionPurge(opts: {
  db: Database
  policy: SessionPolicy
  now: () => Date
  intervalMs: number
  log: FastifyBaseLogger
}): () => void {
  let running: Promise<void> | undefined
  async function run() {
    for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
      const deleted = await deleteExpiredSessions(opts.db, {
        now: opts.now(),
        policy: opts.policy,
        limit: BATCH_SIZE,
      })
      if (deleted < BATCH_SIZE) return
    }
  }
  const timer = setInterval(() => {
    if (running) return
    running = run()
      .catch((error: unknown) => opts.log.warn({ err: error }, 'session purge failed'))
      .finally(() => {
        running = undefined
      })
  }, opts.intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
