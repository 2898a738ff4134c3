// Brute-force limits on sign-in (docs/decisions/0005), kept
// in the attempt_limits table so that they hold across instances and restarts.
//
// An attempt is counted *before* its password is verified, in the statement that
// checks the limits, and uncounted if it succeeds. Counting after the verification
// would let a burst of parallel requests all pass the check before the first
// failure is written, each one a free guess beyond the limit.
//
// This module is what the rest imports; the pieces are:
//   sign-in-subject.ts   whose attempt it is (name, address, device token)
//   sign-in-counters.ts  the counters an attempt counts on, in their lock order
//   sign-in-claim.ts     the check-and-count statement, and the read before it
//   sign-in-settle.ts    after the verdict: a success settles, an unjudged attempt gives back

export type { AttemptDecision } from './limit-waits.js'
export { signInSubject, typedNameKeys, type SignInSubject } from './sign-in-subject.js'
export { claimSignInAttempt, signInWaitEnd, type SignInClaim } from './sign-in-claim.js'
export { giveBackSignInAttempt, settleSuccessfulSignIn } from './sign-in-settle.js'
