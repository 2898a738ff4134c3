import type { SessionPolicy } from '../config.js'

// How long a session lives: the one place that decides it. Validation asks
// isSessionExpired; the purge deletes by expiredSessionCutoffs, which says the same
// thing as times SQL can compare with (tests/db/sessions-store.test.ts holds the two
// to agreement on generated cases). Kept pure, so it is tested without a database.
//
// - Absolute limit: SESSION_ABSOLUTE_TIMEOUT after sign-in, or SESSION_REMEMBER_TIMEOUT
//   with "remember me"; fixed in expires_at at sign-in, but a limit lowered since also
//   shortens the sessions already open.
// - Idle limit: SESSION_IDLE_TIMEOUT after the last use, for sessions without
//   "remember me" only. last_seen_at is written at most every TOUCH_INTERVAL_MS.

export interface SessionTimes {
  createdAt: Date
  lastSeenAt: Date
  /** The absolute limit, fixed at sign-in. */
  expiresAt: Date
  remember: boolean
}

export function absoluteExpiry(createdAt: Date, remember: boolean, policy: SessionPolicy): Date {
  const lifetime = remember ? policy.rememberTimeoutSeconds : policy.absoluteTimeoutSeconds
  return new Date(createdAt.getTime() + lifetime * 1000)
}

/** When the idle limit ends the session if it stays unused; null for remember-me sessions. */
export function idleExpiry(session: SessionTimes, policy: SessionPolicy): Date | null {
  if (session.remember) return null // docs/contract.md: remember-me is not subject to the idle limit
  return new Date(session.lastSeenAt.getTime() + policy.idleTimeoutSeconds * 1000)
}

/**
 * The absolute end: fixed at sign-in, but a limit lowered since (say, during an
 * incident) also shortens the sessions already open.
 */
export function absoluteEnd(session: SessionTimes, policy: SessionPolicy): Date {
  const underCurrentPolicy = absoluteExpiry(session.createdAt, session.remember, policy)
  return underCurrentPolicy < session.expiresAt ? underCurrentPolicy : session.expiresAt
}

/** The moment the session ends unless used again: the earlier of the two limits. */
export function sessionEndsAt(session: SessionTimes, policy: SessionPolicy): Date {
  const absolute = absoluteEnd(session, policy)
  const idle = idleExpiry(session, policy)
  return idle && idle < absolute ? idle : absolute
}

export function isSessionExpired(session: SessionTimes, now: Date, policy: SessionPolicy): boolean {
  return now.getTime() >= sessionEndsAt(session, policy).getTime()
}

/**
 * isSessionExpired as comparisons on stored columns, for a purge that deletes in SQL:
 * a session has ended when expires_at <= now; or, without remember-me, when
 * last_seen_at <= idleSeenBefore or created_at <= createdBefore; or, with it, when
 * created_at <= rememberCreatedBefore (the lowered-limit case of absoluteEnd).
 */
export interface ExpiredSessionCutoffs {
  now: Date
  idleSeenBefore: Date
  createdBefore: Date
  rememberCreatedBefore: Date
}

export function expiredSessionCutoffs(now: Date, policy: SessionPolicy): ExpiredSessionCutoffs {
  const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000)
  return {
    now,
    idleSeenBefore: ago(policy.idleTimeoutSeconds),
    createdBefore: ago(policy.absoluteTimeoutSeconds),
    rememberCreatedBefore: ago(policy.rememberTimeoutSeconds),
  }
}

/**
 * Whether last_seen_at must be written now. Writing on every request would make
 * each page view a write; writing rarely would end sessions early, since the idle
 * limit counts from the stored value. docs/contract.md enforces limits to within one
 * second: the stored value may lag by 0.8 s here plus at most 0.2 s before the
 * batched write lands (SessionTouches), so one second in all, whatever the traffic
 * (or a tenth of a tiny idle limit).
 */
export const TOUCH_INTERVAL_MS = 800
export const TOUCH_FLUSH_INTERVAL_MS = 200

export function touchIntervalMs(policy: SessionPolicy): number {
  return Math.min(TOUCH_INTERVAL_MS, (policy.idleTimeoutSeconds * 1000) / 10)
}

// A remember-me session has no idle limit; its last_seen_at only informs the
// account page, so once a minute is precise enough.
const REMEMBER_TOUCH_INTERVAL_MS = 60_000

export function sessionNeedsTouch(
  session: SessionTimes,
  now: Date,
  policy: SessionPolicy,
): boolean {
  const interval = session.remember ? REMEMBER_TOUCH_INTERVAL_MS : touchIntervalMs(policy)
  return now.getTime() - session.lastSeenAt.getTime() >= interval
}
