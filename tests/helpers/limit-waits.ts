/**
 * How the claim statement of the sign-in limits reads a list made by
 * waitsByFailureCount: waits[least(failures, length)], 1-based, none before the first
 * failure. Tests compare the database's answers and the list's making with it.
 */
export function waitAfterFailures(waits: readonly number[], failures: number): number {
  if (failures < 1) return 0
  return waits[Math.min(failures, waits.length) - 1] ?? 0
}
