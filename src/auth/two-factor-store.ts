import type { Queryable } from '../db/database.js'

// The rows of the second factor (migration 0011). Every check that guards a write is
// in the write's own statement (compare and set), never a SELECT before it: two
// instances (or two requests) acting on one account at once see one winner.

export interface TotpFactor {
  /** The encrypted secret (totp-secrets.ts), as stored. */
  secret: string
  createdAt: Date
  /** Null while the secret awaits its first code. */
  enabledAt: Date | null
  lastUsedStep: number | null
}

interface TotpFactorRow {
  secret: string
  created_at: Date
  enabled_at: Date | null
  last_used_step: number | null
}

/** The account's factor, enabled or pending, or null. */
export async function findTotpFactor(db: Queryable, userId: number): Promise<TotpFactor | null> {
  const [row] = await db.query<TotpFactorRow>(
    'SELECT secret, created_at, enabled_at, last_used_step FROM totp_factors WHERE user_id = $1',
    [userId],
  )
  return row
    ? {
        secret: row.secret,
        createdAt: row.created_at,
        enabledAt: row.enabled_at,
        lastUsedStep: row.last_used_step,
      }
    : null
}

/**
 * Keeps a new secret for the account, pending until a first code confirms it; a
 * pending one before it is replaced (the user started over). False when the account
 * has an enabled factor: that one is disabled first, on purpose, never overwritten.
 */
export async function saveTotpPending(
  db: Queryable,
  { userId, secret, now }: { userId: number; secret: string; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `INSERT INTO totp_factors (user_id, secret, created_at) VALUES ($1, $2, $3)
     ON CONFLICT (user_id) DO UPDATE
       SET secret = EXCLUDED.secret, created_at = EXCLUDED.created_at, last_used_step = NULL
       WHERE totp_factors.enabled_at IS NULL
     RETURNING 1`,
    [userId, secret, now],
  )
  return rows.length > 0
}

/**
 * Enables the pending factor with the step of the code that confirmed it, spent at
 * once (the same code cannot then sign in). False when there is no pending factor
 * (none, or enabled already) or when `secret` is no longer the pending one: a setup
 * restarted in another tab must not enable the secret this one did not show.
 */
export async function enableTotpFactor(
  db: Queryable,
  { userId, secret, step, now }: { userId: number; secret: string; step: number; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE totp_factors SET enabled_at = $4, last_used_step = $3
      WHERE user_id = $1 AND secret = $2 AND enabled_at IS NULL
        AND COALESCE(last_used_step, -1) < $3
      RETURNING 1`,
    [userId, secret, step, now],
  )
  return rows.length > 0
}

/** Removes the factor and the recovery codes with it, in one statement. */
export async function disableTwoFactor(db: Queryable, userId: number): Promise<boolean> {
  const rows = await db.query(
    `WITH codes AS (DELETE FROM recovery_codes WHERE user_id = $1)
     DELETE FROM totp_factors WHERE user_id = $1 RETURNING 1`,
    [userId],
  )
  return rows.length > 0
}

/**
 * Spends a time step for the account's enabled factor: true for the one caller that
 * moves last_used_step up to `step`, false for any other (the step or a later one
 * was spent already, or there is no enabled factor). The check and the write are one
 * statement: the row lock makes a second UPDATE of the same step wait for the first,
 * then find the condition false.
 */
export async function claimTotpStep(
  db: Queryable,
  { userId, step }: { userId: number; step: number },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE totp_factors SET last_used_step = $2
      WHERE user_id = $1 AND enabled_at IS NOT NULL AND COALESCE(last_used_step, -1) < $2
      RETURNING 1`,
    [userId, step],
  )
  return rows.length > 0
}

/**
 * Replaces the account's recovery codes with new ones (their hashes): the old ones,
 * used or not, stop working as the new ones start, in one statement (so also inside
 * a caller's transaction).
 */
export async function replaceRecoveryCodes(
  db: Queryable,
  { userId, hashes, now }: { userId: number; hashes: readonly string[]; now: Date },
): Promise<void> {
  await db.query(
    `WITH old AS (DELETE FROM recovery_codes WHERE user_id = $1)
     INSERT INTO recovery_codes (code_hash, user_id, created_at)
     SELECT hash, $1, $3 FROM unnest($2::text[]) AS hash`,
    [userId, hashes, now],
  )
}

/**
 * Spends one of the account's unused recovery codes: true for the one caller whose
 * UPDATE marks it used, false for any other or for a code that is not the account's.
 */
export async function useRecoveryCode(
  db: Queryable,
  { userId, codeHash, now }: { userId: number; codeHash: string; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `UPDATE recovery_codes SET used_at = $3
      WHERE code_hash = $2 AND user_id = $1 AND used_at IS NULL
      RETURNING 1`,
    [userId, codeHash, now],
  )
  return rows.length > 0
}

/** How many of the account's recovery codes are left (to say so, and to offer new ones). */
export async function unusedRecoveryCodeCount(db: Queryable, userId: number): Promise<number> {
  const [row] = await db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  )
  return row!.n
}
