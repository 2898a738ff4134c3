import type { FastifyReply, FastifyRequest } from 'fastify'
import { createSession, invalidateSession } from '../auth/sessions.js'
import type { SessionPolicy } from '../config.js'
import type { Database } from '../db/database.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'

export interface SessionSettings {
  db: Database
  policy: SessionPolicy
  cookieSecure: boolean
  now: () => Date
}

/**
 * Every sign-in issues a new session (CONTRACT.md): the session whose cookie came
 * with the request is ended first, against session fixation; the account's other
 * devices keep theirs. Only a session that validated is ended: a cookie naming
 * someone else's session id without its secret must not end that session.
 */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  { userId, remember }: { userId: number; remember: boolean },
  settings: SessionSettings,
): Promise<void> {
  if (request.session) await invalidateSession(settings.db, request.session.id)
  const { token } = await createSession(
    settings.db,
    { userId, remember, userAgent: request.headers['user-agent'], ip: request.ip },
    { now: settings.now(), policy: settings.policy },
  )
  reply.setCookie(
    sessionCookieName(settings.cookieSecure),
    token,
    sessionCookieOptions({
      secure: settings.cookieSecure,
      maxAgeSeconds: remember ? settings.policy.rememberTimeoutSeconds : undefined,
    }),
  )
}

export async function endSession(
  request: FastifyRequest,
  reply: FastifyReply,
  settings: SessionSettings,
) {
  if (request.session) await invalidateSession(settings.db, request.session.id)
  reply.clearCookie(
    sessionCookieName(settings.cookieSecure),
    sessionCookieOptions({ secure: settings.cookieSecure }),
  )
}
