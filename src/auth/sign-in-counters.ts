import type { FailureLimit, SignInLimits } from '../config.js'
import { waitsByFailureCount } from './limit-waits.js'
import type { SignInSubject } from './sign-in-subject.js'

/**
 * The counters, in the one order every statement locks their rows in, so that two
 * statements never wait for each other. An attempt counts on name_address, then
 * account (or device, with a device token), then address and address_sign_ins.
 */
export const SCOPE_ORDER = [
  'name_address',
  'account',
  'device',
  'address',
  'address_sign_ins',
] as const
export type SignInScope = (typeof SCOPE_ORDER)[number]

export interface Counter {
  scope: SignInScope
  key: string
  windowSeconds: number
  waits: number[]
  maxFailures: number
}

/** The counters an attempt counts on, in SCOPE_ORDER. */
export function countersOf(subject: SignInSubject, limits: SignInLimits): Counter[] {
  const counter = (scope: SignInScope, key: string, limit: FailureLimit, waits?: number[]) => ({
    scope,
    key,
    windowSeconds: limit.windowSeconds,
    maxFailures: limit.maxFailures,
    waits: waits ?? waitsByFailureCount({ ...limits, maxFailures: limit.maxFailures }),
  })
  // Every sign-in let through counts here, success or not: a flood of right
  // passwords costs its sender waits instead of filling the sessions table.
  const rate: FailureLimit = { maxFailures: limits.signInsPerAddressPerMinute, windowSeconds: 60 }
  const rateWaits = waitsByFailureCount({
    maxFailures: rate.maxFailures,
    firstWaitSeconds: 60,
    maxWaitSeconds: 60,
  })
  return [
    counter('name_address', `${subject.addressKey} ${subject.nameKey}`, limits.perNameAndAddress),
    subject.deviceKey === undefined
      ? counter('account', subject.nameKey, limits.perAccount)
      : // A device counts failures as one name from one place does.
        counter('device', subject.deviceKey, limits.perNameAndAddress),
    counter('address', subject.addressKey, limits.perAddress),
    counter('address_sign_ins', subject.addressKey, rate, rateWaits),
  ]
}
