import type { FastifyReply, FastifyRequest } from 'fastify'
import { formatDuration } from '../views/format.js'
import { translatorFor } from './pages.js'

// The answer to an attempt refused by the sign-in or registration limits: 429 with
// Retry-After (docs/contract.md "Sign-in limits"), and the form again with a message
// saying when to try again.

/** A wait as people say it: whole minutes from a minute on, rounded up, never shorter. */
export function spokenWaitSeconds(retryAfterSeconds: number): number {
  return retryAfterSeconds < 60 ? retryAfterSeconds : Math.ceil(retryAfterSeconds / 60) * 60
}

/**
 * Sets Retry-After (RFC 9110 §10.2.3, whole seconds) and returns the message for
 * the form: "Too many attempts. Try again in 14 minutes."
 */
export function refuseAttempt(
  request: FastifyRequest,
  reply: FastifyReply,
  retryAfterSeconds: number,
): string {
  reply.header('retry-after', String(retryAfterSeconds))
  const t = translatorFor(request)
  return t('limit.tryAgain', { wait: formatDuration(spokenWaitSeconds(retryAfterSeconds), t) })
}
