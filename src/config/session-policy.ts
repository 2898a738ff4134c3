import { z } from 'zod'
import { seconds, wholeNumber } from './values.js'

// How long a session lives and how many one account may hold.

export const sessionVariables = z.object({
  SESSION_IDLE_TIMEOUT: seconds.default(1800),
  SESSION_ABSOLUTE_TIMEOUT: seconds.default(43200),
  SESSION_REMEMBER_TIMEOUT: seconds.default(2592000),
  SESSIONS_PER_ACCOUNT: wholeNumber({
    min: 1,
    max: 10_000,
    message: 'must be a whole number from 1 to 10000',
  }).default(100),
  REAUTH_MAX_AGE: seconds.default(600),
})

export interface SessionPolicy {
  readonly idleTimeoutSeconds: number
  readonly absoluteTimeoutSeconds: number
  readonly rememberTimeoutSeconds: number
  /** Live sessions one account may hold; a sign-in beyond it ends the least recently used. */
  readonly maxSessionsPerAccount: number
  /** How old the last authentication may be for a sensitive change (sudo mode). */
  readonly reauthMaxAgeSeconds: number
}

export function sessionPolicy(e: z.output<typeof sessionVariables>): SessionPolicy {
  return Object.freeze({
    idleTimeoutSeconds: e.SESSION_IDLE_TIMEOUT,
    absoluteTimeoutSeconds: e.SESSION_ABSOLUTE_TIMEOUT,
    rememberTimeoutSeconds: e.SESSION_REMEMBER_TIMEOUT,
    maxSessionsPerAccount: e.SESSIONS_PER_ACCOUNT,
    reauthMaxAgeSeconds: e.REAUTH_MAX_AGE,
  })
}
