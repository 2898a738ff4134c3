import type { Database, Queryable } from '../db/database.js'
import { retryAfterSeconds } from './limit-waits.js'

// Wrong second-factor codes per account (docs/contract.md): more than 5 within any
// 15 minutes and the next code waits until the oldest of them is 15 minutes old,
// whichever page or instance it comes from. A six-digit code has a million values:
// 5 guesses per 15 minutes give an attacker who holds the password about 1 chance
// in 600 a month of landing one, with every failure shown to the account's sessions
// and on its page. Recovery codes (120 bits) are not counted: see second-factor.ts.
//
// Each code let through is a row of second_factor_attempts (migration 0015), written
// *before* the code is checked, under the account's totp_factors row lock: sixty
// codes sent at once are not sixty checks, but five. A right code deletes its row.

export const SECOND_FACTOR_MAX_FAILURES = 5
export const SECOND_FACTOR_WINDOW_SECONDS = 15 * 60

export type SecondFactorClaim =
  | { allowed: true; attemptId: number }
  | { allowed: false; retryAfterSeconds: number }
  /** The account has no enabled factor: there is nothing to check a code against. */
  | { allowed: false; noFactor: true }

/**
 * Counts one code for the account: let through while fewer than the limit were
 * counted in the last 15 minutes. In one transaction that first locks the account's
 * factor row, so the count each claim reads includes every claim before it.
 * Not counted when the account has no enabled factor: there is nothing to guess.
 */
export async function claimSecondFactorAttempt(
  db: Database,
  userId: number,
  now: Date,
): Promise<SecondFactorClaim> {
  return db.transaction(async (tx): Promise<SecondFactorClaim> => {
    const [factor] = await tx.query(
      'SELECT 1 FROM totp_factors WHERE user_id = $1 AND enabled_at IS NOT NULL FOR UPDATE',
      [userId],
    )
    if (!factor) return { allowed: false, noFactor: true }
    const [recent] = await tx.query<{ n: number; oldest: Date | null }>(
      `SELECT count(*)::int AS n, min(attempted_at) AS oldest FROM second_factor_attempts
        WHERE user_id = $1 AND attempted_at > $2::timestamptz - $3::int * interval '1 second'`,
      [userId, now, SECOND_FACTOR_WINDOW_SECONDS],
    )
    if (recent!.n >= SECOND_FACTOR_MAX_FAILURES) {
      const until = new Date(recent!.oldest!.getTime() + SECOND_FACTOR_WINDOW_SECONDS * 1000)
      return { allowed: false, retryAfterSeconds: retryAfterSeconds(until, now) }
    }
    const [row] = await tx.query<{ id: number }>(
      'INSERT INTO second_factor_attempts (user_id, attempted_at) VALUES ($1, $2) RETURNING id',
      [userId, now],
    )
    return { allowed: true, attemptId: Number(row!.id) }
  })
}

/** A right code does not count: its row goes. */
export async function settleSecondFactorSuccess(db: Queryable, attemptId: number): Promise<void> {
  await db.query('DELETE FROM second_factor_attempts WHERE id = $1', [attemptId])
}

/** For the purge: at most `limit` rows past the window, which count for nothing. */
export async function deleteOldSecondFactorAttempts(
  db: Queryable,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const rows = await db.query(
    `DELETE FROM second_factor_attempts WHERE id IN (
       SELECT id FROM second_factor_attempts
        WHERE attempted_at <= $1::timestamptz - $2::int * interval '1 second' LIMIT $3)
     RETURNING 1`,
    [now, SECOND_FACTOR_WINDOW_SECONDS, limit],
  )
  return rows.length
}
