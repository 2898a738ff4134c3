import type { PasswordHashParams } from '../config.js'
import type { Database, Queryable } from '../db/database.js'
import { dropPendingSignInsOf } from './pending-sign-ins.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import type { DummyHashes } from './dummy-hashes.js'
import type { HashLease } from './hash-queue.js'
import {
  checkPasswordPolicy,
  dummyPasswordHash,
  hashPassword,
  passwordHashNeedsUpgrade,
  passwordLength,
  PASSWORD_MAX_LENGTH,
  verifyPasswordHash,
} from './passwords.js'
import { deleteDeviceTokensOfUser } from './device-tokens.js'
import type { Members } from './members.js'
import type { Sessions } from './sessions.js'
import { checkUsername } from './usernames.js'
import {
  findUserById,
  findUserByUsernameKey,
  replacePasswordHash,
  upgradePasswordHash,
  type User,
} from './users.js'

// Sign-in checks and changes to an account as plain functions (registration:
// registration.ts): outcomes a user can cause are values with a stable code; only the
// unexpected throws. What an account change ends or changes elsewhere (sessions,
// member pages) is done through the services that own it, which drop what memory
// keeps of it.

export interface AccountPolicy {
  passwordMinLength: number
  passwordHash: PasswordHashParams
  /** What an unknown name is verified against; without it, a dummy at passwordHash. */
  dummyHashes?: DummyHashes
}

/** What the verbs that change accounts work with; made once, in buildApp. */
export interface AccountServices {
  db: Database
  policy: AccountPolicy
  sessions: Sessions
  members: Members
}

/**
 * The outcome of a sign-in. `wrong_password` names the account, for its security
 * log only: what the client is told must not tell it from `unknown_name`.
 */
export type CredentialCheck =
  | { ok: true; user: User }
  | { ok: false; reason: 'unknown_name' }
  | { ok: false; reason: 'wrong_password'; userId: number }
  /**
   * The password was right, but an operator disabled the account. `stale`: no guess,
   * so the attempt is given back to the limits (the owner is not locked out for it).
   */
  | { ok: false; reason: 'disabled'; userId: number; stale: true }

/**
 * Checks a username and password. An unknown name costs the same argon2
 * verification as a known one (against a dummy hash), so the time taken does not
 * tell which names exist. A hash made with older parameters is replaced on
 * success.
 */
export async function verifyCredentials(
  db: Queryable,
  input: { username: string; password: string },
  { policy, lease }: { policy: AccountPolicy; lease: HashLease },
): Promise<CredentialCheck> {
  const name = checkUsername(input.username)
  const user = name.ok ? await findUserByUsernameKey(db, name.key) : null
  if (!user) {
    const nameKey = name.ok ? name.key : input.username
    const dummy = policy.dummyHashes
      ? await policy.dummyHashes.forUnknownName(nameKey)
      : await dummyPasswordHash(policy.passwordHash)
    await verifyPasswordHash(dummy, input.password, lease)
    return { ok: false, reason: 'unknown_name' }
  }
  // No stored password is longer than the policy allows, so such input cannot match;
  // it is verified all the same, so that it takes the time a wrong password takes.
  const passwordPossible = passwordLength(input.password) <= PASSWORD_MAX_LENGTH
  const matches = await verifyPasswordHash(user.passwordHash, input.password, lease)
  if (!matches || !passwordPossible) {
    return { ok: false, reason: 'wrong_password', userId: user.id }
  }
  // Said only to whoever gave the right password: to anyone else, a disabled
  // account answers as every other account does.
  if (user.disabledAt !== null) {
    return { ok: false, reason: 'disabled', userId: user.id, stale: true }
  }
  if (passwordHashNeedsUpgrade(user.passwordHash, policy.passwordHash)) {
    const upgraded = await hashPassword(input.password, policy.passwordHash, lease)
    // Only over the hash just verified: a change that landed meanwhile stays.
    await upgradePasswordHash(db, {
      userId: user.id,
      verifiedHash: user.passwordHash,
      passwordHash: upgraded,
    })
  }
  return { ok: true, user }
}

export type PasswordChangeResult =
  | { ok: true; passwordVersion: number }
  /** `stale`: the password was right, but another change landed first. */
  | { ok: false; field: 'current_password'; code: 'password_wrong'; stale?: true }
  | {
      ok: false
      field: 'new_password'
      code: 'password_too_short' | 'password_too_long' | 'password_too_common'
    }

/**
 * Replaces a user's password after checking the current one, and ends every other
 * session of the account (docs/contract.md) and every device token: the new hash, the
 * ended sessions, the tokens and the event commit together. The check and the write
 * are tied by the password version (compare and set in replacePasswordHash) rather
 * than by a row lock held over the hashing: hashing takes tens of milliseconds, and
 * PGlite's transactions are exclusive. A change that lost a race to another is
 * `password_wrong`: what it verified is not the current password any more.
 *
 * The new password's policy is checked first, before any hashing: a weak new
 * password says nothing of the current one, so a caller that counts checks of the
 * current password (the account page) can refuse it without counting a guess.
 */
export async function changePassword(
  { db, policy, sessions }: Pick<AccountServices, 'db' | 'policy' | 'sessions'>,
  { userId, currentSessionId }: { userId: number; currentSessionId: string },
  input: { currentPassword: string; newPassword: string },
  { now, origin, lease }: { now: Date; origin: AuthEventOrigin; lease: HashLease },
): Promise<PasswordChangeResult> {
  const check = checkPasswordPolicy(input.newPassword, policy.passwordMinLength)
  if (!check.ok) return { ok: false, field: 'new_password', code: check.code }
  const wrong = { ok: false, field: 'current_password', code: 'password_wrong' } as const
  const user = await findUserById(db, userId)
  if (!user || !(await verifyPasswordHash(user.passwordHash, input.currentPassword, lease))) {
    return wrong
  }
  const passwordHash = await hashPassword(input.newPassword, policy.passwordHash, lease)
  const passwordVersion = await db.transaction(async (tx) => {
    const version = await replacePasswordHash(tx, {
      userId,
      verifiedVersion: user.passwordVersion,
      passwordHash,
    })
    if (version === null) return null
    await sessions.endAll(userId, { except: currentSessionId, tx })
    await deleteDeviceTokensOfUser(tx, userId)
    await dropPendingSignInsOf(tx, userId)
    await recordAuthEvent(tx, { userId, kind: 'password_changed', at: now, ...origin })
    return version
  })
  return passwordVersion === null ? { ...wrong, stale: true } : { ok: true, passwordVersion }
}

/**
 * Deletes an account (its sessions, device tokens and events go with it) when the
 * password is right and still current when the delete runs.
 */
export async function deleteAccount(
  { db, sessions, members }: Pick<AccountServices, 'db' | 'sessions' | 'members'>,
  { userId, password }: { userId: number; password: string },
  { lease }: { lease: HashLease },
): Promise<{ ok: true } | { ok: false; code: 'password_wrong'; stale?: true }> {
  const user = await findUserById(db, userId)
  const verified = user !== null && (await verifyPasswordHash(user.passwordHash, password, lease))
  if (!verified) return { ok: false, code: 'password_wrong' }
  const deleted = await db.transaction(async (tx) => {
    // Right, but changed meanwhile (`stale`: no guess); or the account is gone.
    if (!(await members.remove(tx, { userId, passwordVersion: user.passwordVersion }))) {
      return false
    }
    await sessions.endAll(userId, { tx }) // the rows went with the account; memory's go here
    return true
  })
  if (!deleted) return { ok: false, code: 'password_wrong', stale: true }
  return { ok: true }
}
