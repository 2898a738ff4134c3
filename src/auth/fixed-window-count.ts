import type { Queryable } from '../db/database.js'
import { retryAfterSeconds, type AttemptDecision } from './limit-waits.js'

// A plain count per fixed window in attempt_limits (shared by every instance): the
// registration limit and the passkey ceremony starts. One statement per attempt, so
// parallel attempts are counted exactly; every attempt counts, before any work.

export interface FixedWindowLimit {
  /** attempt_limits.scope: one per limit. */
  scope: string
  windowSeconds: number
  /** Attempts let through per window. */
  limit: number
}

/** Counts one attempt for `key` and says whether it may go on. */
export async function countFixedWindowAttempt(
  db: Queryable,
  { scope, windowSeconds, limit }: FixedWindowLimit,
  { key, now }: { key: string; now: Date },
): Promise<AttemptDecision> {
  const [row] = await db.query<{ attempts: number; blocked_until: Date }>(
    `INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
     VALUES ($1, $2, 1, $3::timestamptz, $3::timestamptz + $4::int * interval '1 second')
     ON CONFLICT (scope, key) DO UPDATE SET
       attempts = CASE WHEN l.blocked_until <= $3 THEN 1 ELSE l.attempts + 1 END,
       window_started_at = CASE WHEN l.blocked_until <= $3 THEN $3 ELSE l.window_started_at END,
       blocked_until = CASE WHEN l.blocked_until <= $3
                            THEN $3::timestamptz + $4::int * interval '1 second'
                            ELSE l.blocked_until END
     RETURNING attempts, blocked_until`,
    [scope, key, now, windowSeconds],
  )
  if (!row || row.attempts <= limit) return { allowed: true }
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(row.blocked_until, now) }
}
