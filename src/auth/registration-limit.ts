import type { Queryable } from '../db/database.js'
import { countFixedWindowAttempt } from './fixed-window-count.js'
import type { AttemptDecision } from './limit-waits.js'

// Registrations per client address (docs/contract.md: never limited below 200 a
// minute). A plain count per fixed one-minute window, in the attempt_limits table
// so that every instance shares it: enough to stop one address from filling the
// members list or keeping the server busy hashing, far above what people need.

export const REGISTRATION_WINDOW_SECONDS = 60

/**
 * Counts one registration attempt from `addressKey` (clientAddressKey) and says
 * whether it may go on. Every attempt counts, before any validation or hashing;
 * in one statement, so parallel attempts are counted exactly.
 */
export async function countRegistrationAttempt(
  db: Queryable,
  addressKey: string,
  { perMinute, now }: { perMinute: number; now: Date },
): Promise<AttemptDecision> {
  const limit = {
    scope: 'register_address',
    windowSeconds: REGISTRATION_WINDOW_SECONDS,
    limit: perMinute,
  }
  return countFixedWindowAttempt(db, limit, { key: addressKey, now })
}
