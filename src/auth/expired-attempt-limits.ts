import type { LimitsPolicy } from '../config.js'
import type { Queryable } from '../db/database.js'
import { PASSKEY_ACCOUNT_STARTS, PASSKEY_SIGN_IN_STARTS } from './passkey-management.js'
import { REGISTRATION_WINDOW_SECONDS } from './registration-limit.js'

/** The longest window of any counter of attempt_limits: after it, no count matters. */
export function longestLimitWindowSeconds(limits: LimitsPolicy): number {
  const { perNameAndAddress, perAccount, perAddress } = limits.signIn
  return Math.max(
    perNameAndAddress.windowSeconds,
    perAccount.windowSeconds,
    perAddress.windowSeconds,
    REGISTRATION_WINDOW_SECONDS,
    PASSKEY_SIGN_IN_STARTS.windowSeconds,
    PASSKEY_ACCOUNT_STARTS.windowSeconds,
  )
}

/**
 * Deletes at most `limit` counters of attempt_limits whose window started at least
 * `longestWindowSeconds` ago and whose wait has passed. Such a counter counts for
 * nothing any more (the next attempt would start it again at 1), so deleting it
 * changes no decision; it only keeps the table from growing with every name typed.
 */
export async function deleteExpiredAttemptLimits(
  db: Queryable,
  { now, longestWindowSeconds, limit }: { now: Date; longestWindowSeconds: number; limit: number },
): Promise<number> {
  const rows = await db.query<{ scope: string }>(
    `DELETE FROM attempt_limits WHERE (scope, key) IN (
       SELECT scope, key FROM attempt_limits
        WHERE window_started_at <= $1::timestamptz - $2::int * interval '1 second'
          AND blocked_until <= $1
        LIMIT $3
        -- A counter a sign-in is counting on right now is left for the next run:
        -- waiting for its lock, while holding others, could deadlock with that sign-in.
        FOR UPDATE SKIP LOCKED)
     RETURNING scope`,
    [now, longestWindowSeconds, limit],
  )
  return rows.length
}
