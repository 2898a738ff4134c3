// The arithmetic of the sign-in limits: how long a client waits once a counter is
// over its limit. The database applies it (src/auth/sign-in-claim.ts) by looking
// the count up in the list made here, so the rule is written once, in TypeScript.

/** What a limit says to an attempt: go on, or wait this long (registration and sign-in). */
export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

export interface BackoffRule {
  /** Failures let through before the first wait. */
  readonly maxFailures: number
  readonly firstWaitSeconds: number
  readonly maxWaitSeconds: number
}

/**
 * The wait after each count of failures: element i is the wait after i + 1. None
 * below the limit, `firstWaitSeconds` at it, doubling with each further failure
 * and never above `maxWaitSeconds` (NIST 800-63B §5.2.2: a wait "that increases as
 * the account approaches its maximum allowance"). The list ends at the first
 * capped wait; higher counts wait as long as the last element.
 */
export function waitsByFailureCount(rule: BackoffRule): number[] {
  const waits = new Array<number>(rule.maxFailures - 1).fill(0)
  for (let wait = rule.firstWaitSeconds; ; wait *= 2) {
    waits.push(Math.min(wait, rule.maxWaitSeconds))
    if (wait >= rule.maxWaitSeconds) return waits
  }
}

/**
 * The Retry-After value (RFC 9110 §10.2.3, whole seconds) for a wait ending at
 * `until`: rounded up, so a client that waits exactly that long is let through.
 */
export function retryAfterSeconds(until: Date, now: Date): number {
  return Math.max(1, Math.ceil((until.getTime() - now.getTime()) / 1000))
}
