import { z } from 'zod'
import { seconds, wholeNumber } from './values.js'

// Sign-in and registration limits (README "Sign-in limits", docs/decisions/0005).
// The bounds are docs/contract.md's: at most 10 failures for a name from an address, a
// wait of at most 15 minutes, at least 200 registrations a minute; and NIST
// 800-63B §5.2.2: at most 100 consecutive failures for an account.

// A wait of the sign-in limits: docs/contract.md allows at most 15 minutes.
const waitSeconds = wholeNumber({
  min: 1,
  max: 900,
  message: 'must be a whole number of seconds from 1 to 900',
})

export const limitsVariables = z.object({
  RATE_LIMITS: z
    .enum(['on', 'off'], 'must be on or off (off is for benchmarks only)')
    .default('on'),
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: wholeNumber({
    min: 1,
    max: 10,
    message: 'must be a whole number from 1 to 10',
  }).default(10),
  SIGN_IN_FAILURES_PER_ACCOUNT: wholeNumber({
    min: 1,
    max: 100,
    message: 'must be a whole number from 1 to 100',
  }).default(100),
  SIGN_IN_FAILURES_PER_ADDRESS: wholeNumber({
    min: 1,
    max: 1_000_000,
    message: 'must be a whole number from 1 to 1000000',
  }).default(100),
  SIGN_IN_NAME_ADDRESS_WINDOW: seconds.default(86400),
  SIGN_IN_ACCOUNT_WINDOW: seconds.default(86400),
  SIGN_IN_ADDRESS_WINDOW: seconds.default(900),
  SIGN_IN_FIRST_WAIT: waitSeconds.default(60),
  SIGN_IN_MAX_WAIT: waitSeconds.default(900),
  SIGN_INS_PER_ADDRESS_PER_MINUTE: wholeNumber({
    min: 10,
    max: 1_000_000,
    message: 'must be a whole number from 10 to 1000000',
  }).default(60),
  REGISTRATIONS_PER_MINUTE: wholeNumber({
    min: 200,
    max: 1_000_000,
    message: 'must be a whole number from 200 to 1000000',
  }).default(300),
  // Every request, per client address and instance: a flood's first line (README).
  REQUESTS_PER_ADDRESS_PER_MINUTE: wholeNumber({
    min: 60,
    max: 1_000_000,
    message: 'must be a whole number from 60 to 1000000',
  }).default(1200),
})

/** A counter of failed sign-ins: after `maxFailures` within `windowSeconds`, wait. */
export interface FailureLimit {
  readonly maxFailures: number
  readonly windowSeconds: number
}

export interface SignInLimits {
  readonly perNameAndAddress: FailureLimit
  readonly perAccount: FailureLimit
  readonly perAddress: FailureLimit
  /** Over a limit the wait starts here and doubles with each further failure… */
  readonly firstWaitSeconds: number
  /** …up to this. */
  readonly maxWaitSeconds: number
  /** Sign-ins let through from one address in a minute, successful or not. */
  readonly signInsPerAddressPerMinute: number
}

export interface LimitsPolicy {
  /** false only with RATE_LIMITS=off, for benchmarks. */
  readonly enabled: boolean
  readonly signIn: SignInLimits
  readonly registrationsPerMinute: number
  /** Requests of any kind from one client address, per instance (http/request-limit.ts). */
  readonly requestsPerAddressPerMinute: number
}

export function limitsPolicy(e: z.output<typeof limitsVariables>): LimitsPolicy {
  return Object.freeze({
    enabled: e.RATE_LIMITS === 'on',
    signIn: Object.freeze({
      perNameAndAddress: Object.freeze({
        maxFailures: e.SIGN_IN_FAILURES_PER_NAME_ADDRESS,
        windowSeconds: e.SIGN_IN_NAME_ADDRESS_WINDOW,
      }),
      perAccount: Object.freeze({
        maxFailures: e.SIGN_IN_FAILURES_PER_ACCOUNT,
        windowSeconds: e.SIGN_IN_ACCOUNT_WINDOW,
      }),
      perAddress: Object.freeze({
        maxFailures: e.SIGN_IN_FAILURES_PER_ADDRESS,
        windowSeconds: e.SIGN_IN_ADDRESS_WINDOW,
      }),
      firstWaitSeconds: e.SIGN_IN_FIRST_WAIT,
      maxWaitSeconds: e.SIGN_IN_MAX_WAIT,
      signInsPerAddressPerMinute: e.SIGN_INS_PER_ADDRESS_PER_MINUTE,
    }),
    registrationsPerMinute: e.REGISTRATIONS_PER_MINUTE,
    requestsPerAddressPerMinute: e.REQUESTS_PER_ADDRESS_PER_MINUTE,
  })
}
