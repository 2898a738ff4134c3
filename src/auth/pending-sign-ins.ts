import type { Queryable } from '../db/database.js'
import {
  generateSessionToken,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from './tokens.js'

// The second step of a sign-in (migration 0012): the password was right, the account
// has a second factor, and the browser now holds a token for this row, which it must
// bring back with a code within PENDING_SIGN_IN_SECONDS. The row grants nothing by
// itself: the session plugin never reads it, so no page treats its holder as
// signed in. Tokens have the sessions' "id.secret" shape (tokens.ts) and, as for
// sessions, only sha256(secret) is stored.

/** Five minutes from the right password to the code (docs/contract.md). */
export const PENDING_SIGN_IN_SECONDS = 5 * 60

export interface PendingSignIn {
  id: string
  userId: number
  /** The password version the first step verified. */
  passwordVersion: number
  /** The typed name's digest (typedNameKeys), for the device token. */
  nameKey: string
  remember: boolean
  /** Where to go once signed in: a local path, checked when it was typed. */
  nextPath: string | null
  expiresAt: Date
}

interface PendingSignInRow {
  id: string
  secret_hash: Uint8Array
  user_id: number
  password_version: number
  name_key: string
  remember: boolean
  next_path: string | null
  expires_at: Date
}

function toPending(row: PendingSignInRow): PendingSignIn {
  return {
    id: row.id,
    userId: row.user_id,
    passwordVersion: row.password_version,
    nameKey: row.name_key,
    remember: row.remember,
    nextPath: row.next_path,
    expiresAt: row.expires_at,
  }
}

/** Keeps the first step's result; the token goes to the browser, never to the table. */
export async function startPendingSignIn(
  db: Queryable,
  input: Omit<PendingSignIn, 'id' | 'expiresAt'> & { now: Date },
): Promise<{ token: string; pending: PendingSignIn }> {
  const { id, secret, token } = generateSessionToken()
  const expiresAt = new Date(input.now.getTime() + PENDING_SIGN_IN_SECONDS * 1000)
  await db.query(
    `INSERT INTO pending_sign_ins
       (id, secret_hash, user_id, password_version, name_key, remember, next_path, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
    [
      id,
      hashSessionSecret(secret),
      input.userId,
      input.passwordVersion,
      input.nameKey,
      input.remember,
      input.nextPath,
      input.now,
      expiresAt,
    ],
  )
  const pending: PendingSignIn = {
    id,
    userId: input.userId,
    passwordVersion: input.passwordVersion,
    nameKey: input.nameKey,
    remember: input.remember,
    nextPath: input.nextPath,
    expiresAt,
  }
  return { token, pending }
}

/** The live pending step a cookie's token names, or null (unknown, expired, forged). */
export async function findPendingSignIn(
  db: Queryable,
  token: string,
  now: Date,
): Promise<PendingSignIn | null> {
  const parsed = parseSessionToken(token)
  if (!parsed) return null
  const [row] = await db.query<PendingSignInRow>(
    `SELECT id, secret_hash, user_id, password_version, name_key, remember, next_path, expires_at
       FROM pending_sign_ins WHERE id = $1 AND expires_at > $2`,
    [parsed.id, now],
  )
  if (!row || !sessionSecretMatches(parsed.secret, row.secret_hash)) return null
  return toPending(row)
}

/**
 * Spends the pending step: true for the one caller whose DELETE removed the live
 * row, so two requests finishing the same step make one session at most. Called by
 * the session service, in the transaction that makes the session.
 */
export async function spendPendingSignIn(
  db: Queryable,
  { id, userId, now }: { id: string; userId: number; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM pending_sign_ins WHERE id = $1 AND user_id = $2 AND expires_at > $3 RETURNING 1',
    [id, userId, now],
  )
  return rows.length > 0
}

/**
 * Drops every pending step of the account: a new password or the factor turned off
 * leaves nothing the old state began (a step made with the old password would burn
 * the code window for nothing, as its session would be refused anyway).
 */
export async function dropPendingSignInsOf(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM pending_sign_ins WHERE user_id = $1', [userId])
}

/** For the purge: at most `limit` expired steps. */
export async function deleteExpiredPendingSignIns(
  db: Queryable,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const rows = await db.query(
    `DELETE FROM pending_sign_ins WHERE id IN (
       SELECT id FROM pending_sign_ins WHERE expires_at <= $1 LIMIT $2)
     RETURNING 1`,
    [now, limit],
  )
  return rows.length
}
