import type { FastifyBaseLogger } from 'fastify'
import { deleteAuthEventsBefore } from '../auth/events.js'
import { deleteExpiredDeviceTokens } from '../auth/device-tokens.js'
import { deleteExpiredAttemptLimits } from '../auth/expired-attempt-limits.js'
import { deleteExpiredPasswordResets } from '../auth/password-resets.js'
import { deleteExpiredPendingSignIns } from '../auth/pending-sign-ins.js'
import { deleteOldSecondFactorAttempts } from '../auth/second-factor-limit.js'
import { deleteExpiredSessions } from '../auth/session-store.js'
import { deleteExpiredChallenges } from '../auth/webauthn-challenges.js'
import type { SessionPolicy } from '../config.js'
import type { Database } from '../db/database.js'

const BATCH_SIZE = 1_000
const MAX_BATCHES_PER_RUN = 20
// Long enough to look back on a season of sign-ins; the account page shows the last 20.
export const AUTH_EVENT_RETENTION_DAYS = 90

/** Runs `deleteBatch` until it deletes less than a full batch, or the run's cap. */
async function inBatches(deleteBatch: () => Promise<number>): Promise<void> {
  for (let batch = 0; batch < MAX_BATCHES_PER_RUN; batch++) {
    if ((await deleteBatch()) < BATCH_SIZE) return
  }
}

/**
 * One purge run: expired sessions, device tokens, pending sign-ins, WebAuthn
 * challenges and password reset links, second-factor attempts past their window, old auth events, and, given the
 * longest window of the sign-in and registration limits (`attemptLimitWindowSeconds`,
 * from longestLimitWindowSeconds), their counters that count for nothing any more.
 */
export async function purgeOnce({
  db,
  policy,
  now,
  attemptLimitWindowSeconds,
}: {
  db: Database
  policy: SessionPolicy
  now: Date
  attemptLimitWindowSeconds?: number | undefined
}) {
  await inBatches(() => deleteExpiredSessions(db, { now, policy, limit: BATCH_SIZE }))
  await inBatches(() => deleteExpiredDeviceTokens(db, { now, limit: BATCH_SIZE }))
  await inBatches(() => deleteExpiredPendingSignIns(db, { now, limit: BATCH_SIZE }))
  await inBatches(() => deleteOldSecondFactorAttempts(db, { now, limit: BATCH_SIZE }))
  await inBatches(() => deleteExpiredChallenges(db, { now, limit: BATCH_SIZE }))
  await inBatches(() => deleteExpiredPasswordResets(db, { now, limit: BATCH_SIZE }))
  const before = new Date(now.getTime() - AUTH_EVENT_RETENTION_DAYS * 86_400_000)
  await inBatches(() => deleteAuthEventsBefore(db, { before, limit: BATCH_SIZE }))
  if (attemptLimitWindowSeconds !== undefined) {
    const longestWindowSeconds = attemptLimitWindowSeconds
    await inBatches(() =>
      deleteExpiredAttemptLimits(db, { now, longestWindowSeconds, limit: BATCH_SIZE }),
    )
  }
}

/**
 * Runs purgeOnce every `intervalMs`: deletes expired sessions (absolute or idle
 * expiry), expired device tokens and WebAuthn challenges, auth events older than AUTH_EVENT_RETENTION_DAYS,
 * and, given `attemptLimitWindowSeconds`, the sign-in and registration attempt
 * counters whose window and wait are over. Each in bounded batches so one run never
 * holds locks long. Validation already refuses expired sessions and tokens, and an
 * ended counter changes no decision; this only keeps the tables from growing
 * forever. Failures are logged and retried at the next run; runs never overlap.
 */
export function startPurge(opts: {
  db: Database
  policy: SessionPolicy
  now: () => Date
  attemptLimitWindowSeconds?: number | undefined
  intervalMs: number
  log: FastifyBaseLogger
}): () => void {
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    purgeOnce({
      db: opts.db,
      policy: opts.policy,
      now: opts.now(),
      attemptLimitWindowSeconds: opts.attemptLimitWindowSeconds,
    })
      .catch((error: unknown) => opts.log.warn({ err: error }, 'purge failed'))
      .finally(() => {
        running = false
      })
  }, opts.intervalMs)
  timer.unref()
  return () => clearInterval(timer)
}
