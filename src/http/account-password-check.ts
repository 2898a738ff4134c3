import type { FastifyReply, FastifyRequest } from 'fastify'
import { recordAuthEvent } from '../auth/events.js'
import type { HashLease } from '../auth/hash-queue.js'
import { attemptPasswordCheck } from '../auth/password-attempts.js'
import { signInSubject, typedNameKeys } from '../auth/sign-in-limits.js'
import type { AccountRouteOptions, SignedIn } from './account-page.js'
import { requestDeviceKey } from './device-cookie.js'
import { requestOrigin } from './request-origin.js'
import { refuseAttempt } from './too-many-attempts.js'

/**
 * A password check by a signed-in user (a change on the account page, a
 * confirmation before one) counts as a sign-in attempt does: the same limits for the
 * account and the address, a fair place in the line of hashes, and a security event
 * when it fails. Refused: Retry-After is set and the message to show is returned.
 */
export async function checkPasswordOfSignedIn<T extends { ok: boolean; stale?: boolean }>(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: Pick<AccountRouteOptions, 'pageSessions' | 'passwordAttempts' | 'devices'>,
  check: (lease: HashLease) => Promise<T>,
): Promise<T | { refused: string }> {
  const { db, now } = opts.pageSessions
  const at = now()
  const name = typedNameKeys(current.user.username)
  const deviceKey = await requestDeviceKey(request, name, { settings: opts.devices, now: at })
  const subject = signInSubject(current.user.username, request.ip, deviceKey)
  const attempt = await attemptPasswordCheck(opts.passwordAttempts, subject, check)
  if (attempt.status === 'refused') {
    return { refused: refuseAttempt(request, reply, attempt.retryAfterSeconds) }
  }
  if (!attempt.result.ok && !attempt.result.stale) {
    const event = { userId: current.user.id, at, ...requestOrigin(request) }
    await recordAuthEvent(db, { ...event, kind: 'password_check_failed' })
    if (attempt.accountWaitUntil) await recordAuthEvent(db, { ...event, kind: 'account_locked' })
  }
  return attempt.result
}
