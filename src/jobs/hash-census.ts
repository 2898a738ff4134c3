import type { FastifyBaseLogger } from 'fastify'
import type { DummyHashes } from '../auth/dummy-hashes.js'
import type { Database } from '../db/database.js'

// The parameter sets of the stored hashes change only as accounts sign in after a
// change of PASSWORD_HASH_*: an hourly count keeps the dummies close (dummy-hashes.ts).
const HASH_CENSUS_INTERVAL_MS = 3_600_000
// A census that failed (the database, or a dummy's making) is tried again soon: until
// it succeeds, unknown names may cost what the current parameters cost, which tells
// them from accounts with older hashes.
const HASH_CENSUS_RETRY_MS = 5_000

/**
 * Counts the parameter sets of the stored hashes (DummyHashes.refresh) once the app
 * is ready, then hourly, in the background: a start does not wait for a scan of the
 * accounts; a close waits for the scan under way, before the database closes.
 */
export function startHashCensus({
  dummyHashes,
  db,
  log,
}: {
  dummyHashes: DummyHashes
  db: Database
  log: FastifyBaseLogger
}): { start(): void; close(): Promise<void> } {
  let counting: Promise<void> = Promise.resolve()
  let retryTimer: NodeJS.Timeout | undefined
  let hourly: NodeJS.Timeout | undefined
  let closing = false
  let countRunning = false
  const countHashes = () => {
    // One count at a time: the hourly timer and a retry must not overlap, and the
    // close waits for the one under way.
    if (countRunning || closing) return
    countRunning = true
    clearTimeout(retryTimer)
    counting = dummyHashes
      .refresh(db)
      .catch((error: unknown) => {
        log.warn({ err: error }, 'counting hash parameters failed')
        if (!closing) retryTimer = setTimeout(countHashes, HASH_CENSUS_RETRY_MS).unref()
      })
      .finally(() => {
        countRunning = false
      })
  }
  return {
    start() {
      countHashes()
      hourly ??= setInterval(countHashes, HASH_CENSUS_INTERVAL_MS).unref()
    },
    async close() {
      closing = true
      clearInterval(hourly)
      clearTimeout(retryTimer)
      await counting
    },
  }
}
