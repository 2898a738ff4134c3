import type { Queryable } from '../db/database.js'
import { retryAfterSeconds, type AttemptDecision } from './limit-waits.js'

// Registrations per client address (docs/contract.md: never limited below 200 a
// minute). A plain count per fixed one-minute window, in the attempt_limits table
// so that every instance shares it: enough to stop one address from filling the
// members list or keeping the server busy hashing, far above what people need.

export const REGISTRATION_WINDOW_SECONDS = 60

/**
 * Counts one registration attempt from `addressKey` (clientAddressKey) and says
 * whether it may go on. Every attempt counts, before any validation or hashing;
 * in one statement, so parallel attempts are counted exactly.
 */
export async function countRegistrationAttempt(
  db: Queryable,
  addressKey: string,
  { perMinute, now }: { perMinute: number; now: Date },
): Promise<AttemptDecision> {
  const [row] = await db.query<{ attempts: number; blocked_until: Date }>(
    `INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
     VALUES ('register_address', $1, 1, $2::timestamptz, $2::timestamptz + $3::int * interval '1 second')
     ON CONFLICT (scope, key) DO UPDATE SET
       attempts = CASE WHEN l.blocked_until <= $2 THEN 1 ELSE l.attempts + 1 END,
       window_started_at = CASE WHEN l.blocked_until <= $2 THEN $2 ELSE l.window_started_at END,
       blocked_until = CASE WHEN l.blocked_until <= $2
                            THEN $2::timestamptz + $3::int * interval '1 second'
                            ELSE l.blocked_until END
     RETURNING attempts, blocked_until`,
    [addressKey, now, REGISTRATION_WINDOW_SECONDS],
  )
  if (!row || row.attempts <= perMinute) return { allowed: true }
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(row.blocked_until, now) }
}
