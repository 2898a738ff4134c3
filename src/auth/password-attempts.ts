import type { LimitsPolicy } from '../config.js'
import type { Queryable } from '../db/database.js'
import type { HashLease } from './hash-queue.js'
import { admitPasswordHashing, PasswordHashingBusyError } from './passwords.js'
import {
  claimSignInAttempt,
  giveBackSignInAttempt,
  settleSuccessfulSignIn,
  type SignInSubject,
} from './sign-in-limits.js'

// Every verification of a password goes through here (docs/contract.md "Sign-in limits":
// sign-in, password change, account deletion, and the steps later issues add), so
// each one is limited the same way (issue 9, finding 2):
// 1. a place in the fair line of hashes (hash-queue.ts): a full line throws
//    PasswordHashingBusyError (503); a client over its share is refused (429);
//    nothing is counted for either;
// 2. the attempt is counted by the database-backed limits before the password is
//    looked at (sign-in-limits.ts); over a limit it is refused (429);
// 3. the check runs under the lease. A success settles the counters; a failure
//    keeps its count; an error (the database or the line failing under it) gives
//    the count back, so that a busy spell never becomes a lockout (finding 3).

export interface PasswordAttemptContext {
  db: Queryable
  limits: LimitsPolicy
  now: () => Date
}

export type PasswordAttempt<T> =
  | { status: 'refused'; retryAfterSeconds: number }
  | {
      status: 'checked'
      result: T
      /** The account counter's wait this attempt started, if it reached the limit. */
      accountWaitUntil: Date | null
    }

/** How long a client over its share of the line of hashes is asked to wait. */
const OVER_SHARE_RETRY_AFTER_SECONDS = 1

export async function attemptPasswordCheck<T extends { ok: boolean }>(
  context: PasswordAttemptContext,
  subject: SignInSubject,
  check: (lease: HashLease) => Promise<T>,
): Promise<PasswordAttempt<T>> {
  const { db, limits } = context
  // RATE_LIMITS=off (benchmarks only) lifts the shares too; the line stays bounded.
  // With a live device token the account's share is left out, as its counter is:
  // strangers filling the account's share must not keep its owner's browser out.
  const admission = admitPasswordHashing(
    limits.enabled
      ? {
          address: subject.addressKey,
          account: subject.deviceKey === undefined ? subject.nameKey : undefined,
        }
      : undefined,
  )
  if (!admission.ok) {
    if (admission.reason === 'busy') throw new PasswordHashingBusyError()
    return { status: 'refused', retryAfterSeconds: OVER_SHARE_RETRY_AFTER_SECONDS }
  }
  const { lease } = admission
  try {
    let accountWaitUntil: Date | null = null
    const claimedAt = context.now()
    if (limits.enabled) {
      const claim = await claimSignInAttempt(db, subject, {
        limits: limits.signIn,
        now: claimedAt,
      })
      if (!claim.allowed) return { status: 'refused', retryAfterSeconds: claim.retryAfterSeconds }
      accountWaitUntil = claim.accountWaitUntil
    }
    let result: T
    try {
      result = await check(lease)
    } catch (error) {
      if (limits.enabled) {
        // Best effort: when the database itself is what failed, this fails too, and
        // the error that matters is the first one.
        await giveBackSignInAttempt(db, subject, {
          limits: limits.signIn,
          now: context.now(),
          claimedAt,
        }).catch(() => undefined)
      }
      throw error
    }
    if (result.ok && limits.enabled) {
      await settleSuccessfulSignIn(db, subject, { limits: limits.signIn, now: context.now() })
    }
    return { status: 'checked', result, accountWaitUntil }
  } finally {
    lease.release()
  }
}
