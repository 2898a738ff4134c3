import type { LimitsPolicy } from '../config.js'
import type { Queryable } from '../db/database.js'
import type { HashClaimant, HashLease } from './hash-queue.js'
import { admitPasswordHashing, PasswordHashingBusyError } from './passwords.js'
import {
  claimSignInAttempt,
  giveBackSignInAttempt,
  settleSuccessfulSignIn,
  signInWaitEnd,
  type SignInSubject,
} from './sign-in-limits.js'
import { retryAfterSeconds } from './limit-waits.js'

// Every verification of a password goes through here (docs/contract.md "Sign-in limits":
// sign-in, password change, account deletion, and any later step that checks one),
// so each one is limited the same way and no form is a way to guess without limit:
// 0. a read of the limits: an attempt they would refuse is refused (429) before it
//    takes a place in the line, so an address that has spent its failures holds no
//    place at all, however hard it tries, and a few dozen such addresses cannot
//    fill the line;
// 1. a place in the fair line of hashes (hash-queue.ts): a full line throws
//    PasswordHashingBusyError (503); a client over its share is refused (429);
//    nothing is counted for either;
// 2. the attempt is counted by the database-backed limits before the password is
//    looked at (sign-in-limits.ts); over a limit it is refused (429);
// 3. the check runs under the lease. A success settles the counters; a failure
//    keeps its count; an error (the database or the line failing under it) gives
//    the count back, so that a busy spell never becomes a lockout. So does a check
//    that was `stale`: the password was right but changed while it was checked (a
//    race lost to a password change), which is no guess.

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

/**
 * A place in the line of hashes for a client's request (sign-in, password check,
 * registration): `refused` (429) over its share; a full line throws
 * PasswordHashingBusyError (503). RATE_LIMITS=off (benchmarks only) lifts the
 * shares; the line stays bounded.
 */
export function admitClientHashing(
  limits: LimitsPolicy,
  claimant: HashClaimant,
): { ok: true; lease: HashLease } | { ok: false; retryAfterSeconds: number } {
  const admission = admitPasswordHashing(limits.enabled ? claimant : undefined)
  if (admission.ok) return admission
  if (admission.reason === 'busy') throw new PasswordHashingBusyError()
  return { ok: false, retryAfterSeconds: OVER_SHARE_RETRY_AFTER_SECONDS }
}

export async function attemptPasswordCheck<T extends { ok: boolean; stale?: boolean }>(
  context: PasswordAttemptContext,
  subject: SignInSubject,
  check: (lease: HashLease) => Promise<T>,
): Promise<PasswordAttempt<T>> {
  const { db, limits } = context
  if (limits.enabled) {
    const wait = await signInWaitEnd(db, subject, { limits: limits.signIn, now: context.now() })
    if (wait)
      return { status: 'refused', retryAfterSeconds: retryAfterSeconds(wait, context.now()) }
  }
  // With a live device token the account's share is left out, as its counter is, and
  // the places kept for known devices are open to it: strangers filling the line
  // must not keep the account's owner out.
  const knownDevice = subject.deviceKey !== undefined
  const admission = admitClientHashing(limits, {
    address: subject.addressKey,
    account: knownDevice ? undefined : subject.nameKey,
    knownDevice,
    deviceAccount: knownDevice ? subject.nameKey : undefined,
  })
  if (!admission.ok) return { status: 'refused', retryAfterSeconds: admission.retryAfterSeconds }
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
    if (result.stale && limits.enabled) {
      await giveBackSignInAttempt(db, subject, {
        limits: limits.signIn,
        now: context.now(),
        claimedAt,
      })
    }
    if (result.ok && limits.enabled) {
      await settleSuccessfulSignIn(db, subject, { limits: limits.signIn, now: context.now() })
    }
    return { status: 'checked', result, accountWaitUntil }
  } finally {
    lease.release()
  }
}
