import type { Database, Queryable } from '../db/database.js'
import type { AccountServices } from './accounts.js'
import { deleteDeviceTokensOfUser } from './device-tokens.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import type { HashLease } from './hash-queue.js'
import { checkPasswordPolicy, hashPassword, type PasswordPolicyCode } from './passwords.js'
import { dropPendingSignInsOf } from './pending-sign-ins.js'
import {
  generateSessionToken,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from './tokens.js'
import { disableTwoFactor } from './two-factor-store.js'
import { replacePasswordHash } from './users.js'

// The one-time links of `logon users reset` (ASVS 6.4.6): the operator hands a person a
// link, valid an hour, with which they set a new password themselves; the operator
// never chooses nor sees it. A link has the session token's form (tokens.ts), and only
// the sha256 of its secret is stored (migration 0016). It works once, while the
// password is still the one it was made for, and never signs anyone in: the person
// signs in afterwards with the new password (and the second factor, unless the
// operator had it cleared).

export const PASSWORD_RESET_SECONDS = 60 * 60

export interface IssuedReset {
  token: string
  expiresAt: Date
}

/** A new link for the account, replacing any it had; the event goes in the same transaction. */
export async function issuePasswordReset(
  db: Database,
  input: { userId: number; clearSecondFactor: boolean; now: Date },
): Promise<IssuedReset | null> {
  const { id, secret, token } = generateSessionToken()
  const expiresAt = new Date(input.now.getTime() + PASSWORD_RESET_SECONDS * 1000)
  return db.transaction(async (tx) => {
    const [made] = await tx.query<{ user_id: number }>(
      `INSERT INTO password_resets (id, secret_hash, user_id, password_version,
                                    clears_second_factor, created_at, expires_at)
       SELECT $1, $2, id, password_version, $4, $5, $6 FROM users WHERE id = $3
       ON CONFLICT (user_id) DO UPDATE
         SET id = excluded.id, secret_hash = excluded.secret_hash,
             password_version = excluded.password_version,
             clears_second_factor = excluded.clears_second_factor,
             created_at = excluded.created_at, expires_at = excluded.expires_at
       RETURNING user_id`,
      [id, hashSessionSecret(secret), input.userId, input.clearSecondFactor, input.now, expiresAt],
    )
    if (!made) return null
    await recordAuthEvent(tx, {
      userId: input.userId,
      kind: 'password_reset_issued',
      at: input.now,
    })
    return { token, expiresAt }
  })
}

export interface PendingReset {
  userId: number
  username: string
  clearsSecondFactor: boolean
  expiresAt: Date
}

/** What a link is for while it works (unexpired, unused, its password unchanged); or null. */
export async function findPasswordReset(
  db: Queryable,
  token: string,
  now: Date,
): Promise<PendingReset | null> {
  const parsed = parseSessionToken(token)
  if (!parsed) return null
  const [row] = await db.query<{
    secret_hash: Uint8Array
    user_id: number
    username: string
    clears_second_factor: boolean
    expires_at: Date
  }>(
    `SELECT r.secret_hash, r.user_id, u.username, r.clears_second_factor, r.expires_at
       FROM password_resets r JOIN users u ON u.id = r.user_id
      WHERE r.id = $1 AND r.expires_at > $2 AND u.password_version = r.password_version`,
    [parsed.id, now],
  )
  if (!row || !sessionSecretMatches(parsed.secret, row.secret_hash)) return null
  return {
    userId: row.user_id,
    username: row.username,
    clearsSecondFactor: row.clears_second_factor,
    expiresAt: row.expires_at,
  }
}

export type ResetOutcome =
  | { ok: true; userId: number }
  | { ok: false; code: PasswordPolicyCode }
  /** Expired, used, replaced, or the password changed since: ask for a new link. */
  | { ok: false; code: 'link_invalid' }

/**
 * Sets the password a link was made for. The policy first, then one hash, then one
 * transaction: the link is taken (DELETE … RETURNING, so two requests with one link
 * set at most one password), the password replaced only over the version the link was
 * made for, every session, device token and waiting second step of the account ended,
 * the second factor cleared if the operator said so, with the events.
 */
export async function redeemPasswordReset(
  { db, policy, sessions }: Pick<AccountServices, 'db' | 'policy' | 'sessions'>,
  input: { token: string; newPassword: string },
  { now, origin, lease }: { now: Date; origin: AuthEventOrigin; lease: HashLease },
): Promise<ResetOutcome> {
  const check = checkPasswordPolicy(input.newPassword, policy.passwordMinLength)
  if (!check.ok) return { ok: false, code: check.code }
  const invalid = { ok: false, code: 'link_invalid' } as const
  const parsed = parseSessionToken(input.token)
  // Nothing is hashed for a link that does not work.
  if (!parsed || !(await findPasswordReset(db, input.token, now))) return invalid
  const passwordHash = await hashPassword(input.newPassword, policy.passwordHash, lease)
  return db
    .transaction(async (tx) => {
      const [taken] = await tx.query<{
        secret_hash: Uint8Array
        user_id: number
        password_version: number
        clears_second_factor: boolean
      }>(
        `DELETE FROM password_resets WHERE id = $1 AND expires_at > $2
       RETURNING secret_hash, user_id, password_version, clears_second_factor`,
        [parsed.id, now],
      )
      // A wrong secret rolls the delete back: a guess of the secret burns no one's link.
      if (!taken || !sessionSecretMatches(parsed.secret, taken.secret_hash)) throw new LinkInvalid()
      const userId = taken.user_id
      const version = await replacePasswordHash(tx, {
        userId,
        verifiedVersion: taken.password_version,
        passwordHash,
      })
      if (version === null) return invalid // the owner changed it: the link's delete stands
      await sessions.endAll(userId, { tx })
      await deleteDeviceTokensOfUser(tx, userId)
      await dropPendingSignInsOf(tx, userId)
      await recordAuthEvent(tx, { userId, kind: 'password_reset', at: now, ...origin })
      if (taken.clears_second_factor && (await disableTwoFactor(tx, userId))) {
        await recordAuthEvent(tx, { userId, kind: 'two_factor_disabled', at: now, ...origin })
      }
      return { ok: true, userId } as const
    })
    .catch((error: unknown) => {
      if (error instanceof LinkInvalid) return invalid
      throw error
    })
}

/** Thrown inside the transaction to roll back a link taken with a wrong secret. */
class LinkInvalid extends Error {}

/** For the periodic purge: links past their hour, at most `limit`; how many went. */
export async function deleteExpiredPasswordResets(
  db: Queryable,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM password_resets WHERE id IN (
       SELECT id FROM password_resets WHERE expires_at <= $1 LIMIT $2)
     RETURNING id`,
    [now, limit],
  )
  return rows.length
}

/** Voids the account's link, if it has one (a disable). */
export async function deletePasswordResetsOf(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM password_resets WHERE user_id = $1', [userId])
}
