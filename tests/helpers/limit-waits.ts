/**
 * How the claim statement of the sign-in limits reads a list made by
 * waitsByFailureCount: waits[least(failures, length)], 1-based, none before the first
 * failure. Tests compare the database's answers and the list's making with it.
 */
export function waitAfterFailures(waits: readonly number[], failures: number): number {
  if (failures < 1) return 0
  return waits[Math.min(failures, waits.length) - 1] ?? 0
}

/**
 * Small sign-in limits for the HTTP tests that cross them (sign-in-limits, api-rules),
 * with client addresses from X-Forwarded-For (TRUST_PROXY=true).
 */
export const SMALL_SIGN_IN_LIMITS = {
  TRUST_PROXY: 'true',
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3',
  SIGN_IN_FAILURES_PER_ACCOUNT: '6',
  SIGN_IN_FAILURES_PER_ADDRESS: '8',
  SIGN_IN_FIRST_WAIT: '60',
  SIGN_IN_MAX_WAIT: '240',
  REGISTRATIONS_PER_MINUTE: '200', // the least it may be
} as const
