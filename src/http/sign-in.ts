import type { FastifyReply, FastifyRequest } from 'fastify'
import { isIP } from 'node:net'
import { recordAuthEvent } from '../auth/events.js'
import { createSession, invalidateSession } from '../auth/sessions.js'
import type { SessionPolicy } from '../config.js'
import type { Caches } from '../cache/caches.js'
import type { Database } from '../db/database.js'
import { csrfCookieName, csrfCookieOptions } from './forgery.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'

export interface SessionSettings {
  db: Database
  policy: SessionPolicy
  cookieSecure: boolean
  now: () => Date
  /** Sessions and member pages kept in memory (src/cache/); none in some tests. */
  caches?: Caches | undefined
}

/**
 * After ending sessions in the table: this instance stops honouring them before
 * anything else happens (other instances hear through the change feed). Called
 * right after each DELETE resolves, before the answer or any other write.
 */
export function forgetEndedSessions(
  settings: SessionSettings,
  ended: { sessionId: string } | { userId: number },
): void {
  const known = settings.caches?.sessions
  if (!known) return
  if ('sessionId' in ended) known.delete(ended.sessionId)
  else known.deleteWhere((kept) => kept.user.id === ended.userId)
}

/** Where a request came from, for sessions and events: a real address only. */
export function requestOrigin(request: FastifyRequest): {
  ip: string | undefined
  userAgent: string | undefined
} {
  // With TRUST_PROXY a proxy may append an entry that is no address at all.
  return { ip: isIP(request.ip) ? request.ip : undefined, userAgent: request.headers['user-agent'] }
}

/**
 * At every change of who is signed in, the anti-forgery secret is dropped too (a
 * new one comes with the next form), so a token planted before the change is
 * worthless after it; and the answer, which sets cookies, is never cached.
 */
function resetClientState(reply: FastifyReply, settings: SessionSettings): void {
  reply.clearCookie(csrfCookieName(settings.cookieSecure), csrfCookieOptions(settings.cookieSecure))
  reply.header('cache-control', 'no-store')
}

/**
 * Every sign-in issues a new session (docs/contract.md): the session whose cookie came
 * with the request is ended in the same transaction, against session fixation; the
 * account's other devices keep theirs, but for the least recently used beyond
 * SESSIONS_PER_ACCOUNT. Only a session that validated is ended: a cookie naming
 * someone else's session id without its secret must not end that session.
 * False, and nothing set, when the password changed after it was verified.
 */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  { user, remember }: { user: { id: number; passwordVersion: number }; remember: boolean },
  settings: SessionSettings,
): Promise<boolean> {
  const replaced = request.session?.id
  const at = settings.now()
  const created = await createSession(
    settings.db,
    {
      userId: user.id,
      passwordVersion: user.passwordVersion,
      remember,
      replacesSessionId: replaced,
      ...requestOrigin(request),
    },
    { now: at, policy: settings.policy },
  )
  if (!created.ok) return false
  if (replaced !== undefined) forgetEndedSessions(settings, { sessionId: replaced })
  for (const sessionId of created.evictedSessionIds) forgetEndedSessions(settings, { sessionId })
  if (created.evictedSessionIds.length > 0) {
    await recordAuthEvent(settings.db, {
      userId: user.id,
      kind: 'sessions_over_limit_ended',
      at,
      ...requestOrigin(request),
    })
  }
  resetClientState(reply, settings)
  reply.setCookie(
    sessionCookieName(settings.cookieSecure),
    created.token,
    sessionCookieOptions({
      secure: settings.cookieSecure,
      maxAgeSeconds: remember ? settings.policy.rememberTimeoutSeconds : undefined,
    }),
  )
  return true
}

export async function endSession(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: SessionSettings,
): Promise<void> {
  if (request.session) {
    await invalidateSession(settings.db, request.session.id)
    forgetEndedSessions(settings, { sessionId: request.session.id })
    await recordAuthEvent(settings.db, {
      userId: request.session.userId,
      kind: 'signed_out',
      at: settings.now(),
      ...requestOrigin(request),
    })
  }
  resetClientState(reply, settings)
  reply.clearCookie(
    sessionCookieName(settings.cookieSecure),
    sessionCookieOptions({ secure: settings.cookieSecure }),
  )
}
