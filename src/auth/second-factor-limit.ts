import type { Queryable } from '../db/database.js'
import { retryAfterSeconds, type AttemptDecision } from './limit-waits.js'

// Wrong second-factor codes per account (docs/contract.md): more than 5 within 15
// minutes and the next code waits for the window's end, whichever page or instance
// it comes from. A six-digit code has a million values: 5 guesses per 15 minutes
// give an attacker who holds the password about 1 chance in 600 a month of
// landing one, with every failure shown to the account's sessions and on its page.
//
// The count lives in attempt_limits (scope 'second_factor', key the user id), taken
// in one statement *before* the code is checked, as the sign-in limits do: sixty
// codes sent at once are not sixty checks, but five. A right code gives its count
// back, so only wrong (and in-flight) codes hold the window.

export const SECOND_FACTOR_MAX_FAILURES = 5
export const SECOND_FACTOR_WINDOW_SECONDS = 15 * 60

export type SecondFactorClaim =
  { allowed: true; windowStartedAt: Date } | Extract<AttemptDecision, { allowed: false }>

/** Counts one code for the account; refused once the window holds too many. */
export async function claimSecondFactorAttempt(
  db: Queryable,
  userId: number,
  now: Date,
): Promise<SecondFactorClaim> {
  const [row] = await db.query<{ attempts: number; window_started_at: Date; blocked_until: Date }>(
    `INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
     VALUES ('second_factor', $1, 1, $2::timestamptz, $2::timestamptz + $3::int * interval '1 second')
     ON CONFLICT (scope, key) DO UPDATE SET
       attempts = CASE WHEN l.blocked_until <= $2 THEN 1 ELSE l.attempts + 1 END,
       window_started_at = CASE WHEN l.blocked_until <= $2 THEN $2 ELSE l.window_started_at END,
       blocked_until = CASE WHEN l.blocked_until <= $2
                            THEN $2::timestamptz + $3::int * interval '1 second'
                            ELSE l.blocked_until END
     RETURNING attempts, window_started_at, blocked_until`,
    [String(userId), now, SECOND_FACTOR_WINDOW_SECONDS],
  )
  if (row && row.attempts <= SECOND_FACTOR_MAX_FAILURES) {
    return { allowed: true, windowStartedAt: row.window_started_at }
  }
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(row!.blocked_until, now) }
}

/** A right code gives back the count it took (in the window it was taken in). */
export async function settleSecondFactorSuccess(
  db: Queryable,
  userId: number,
  windowStartedAt: Date,
): Promise<void> {
  await db.query(
    `UPDATE attempt_limits SET attempts = attempts - 1
      WHERE scope = 'second_factor' AND key = $1 AND window_started_at = $2 AND attempts > 0`,
    [String(userId), windowStartedAt],
  )
}
