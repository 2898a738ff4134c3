import type { FastifyReply, FastifyRequest } from 'fastify'
import { recordAuthEvent } from '../auth/events.js'
import type {
  NewSession,
  Session,
  SessionCreation,
  SessionUser,
  Sessions,
} from '../auth/sessions.js'
import type { Database } from '../db/database.js'
import { csrfCookieName, csrfCookieOptions } from './forgery.js'
import { requestOrigin } from './request-origin.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'

// Signing a browser in and out: the session (through the session service, which
// keeps this instance's memory right) and the cookies that go with it.

/** What the pages sign people in and out with; made once, in buildApp. */
export interface PageSessions {
  sessions: Sessions
  /** For the sign-out event. */
  db: Database
  cookieSecure: boolean
  now: () => Date
}

/** Why sessions.create made none (sessions.ts, SessionCreation). */
export interface SessionRefused {
  refused: Extract<SessionCreation, { ok: false }>['code']
}

export interface StartedSession {
  id: string
  /** The cookie's value: handed to an API client only when it asks (src/http/api/). */
  token: string
  session: Session
  user: SessionUser
}

/**
 * At every change of who is signed in, the anti-forgery secret is dropped too (a
 * new one comes with the next form), so a token planted before the change is
 * worthless after it; and the answer, which sets cookies, is never cached.
 */
function resetClientState(reply: FastifyReply, { cookieSecure }: PageSessions): void {
  reply.clearCookie(csrfCookieName(cookieSecure), csrfCookieOptions(cookieSecure))
  reply.header('cache-control', 'no-store')
}

/**
 * Every sign-in issues a new session (docs/contract.md): the session whose cookie came
 * with the request is ended in the same transaction, against session fixation; the
 * account's other devices keep theirs, but for the least recently used beyond
 * SESSIONS_PER_ACCOUNT. Only a session that validated is ended: a cookie naming
 * someone else's session id without its secret must not end that session.
 * The new session (its id, for the sign-in event: the one session not told of it; its
 * token, for an API client that asked for it), or null, and nothing set, when the
 * password changed after it was verified (or the factor came on meanwhile, or the
 * second step was spent already).
 */
export async function startSession(
  request: FastifyRequest,
  reply: FastifyReply,
  {
    user,
    remember,
    secondFactorGiven,
    secondStep,
  }: {
    user: { id: number; passwordVersion: number }
    remember: boolean
    /** A passkey was given: see NewSession. */
    secondFactorGiven?: boolean
    /** The second step whose code was right: see NewSession. */
    secondStep?: NewSession['secondStep']
  },
  pages: PageSessions,
): Promise<StartedSession | SessionRefused> {
  const created = await pages.sessions.create({
    userId: user.id,
    passwordVersion: user.passwordVersion,
    remember,
    secondFactorGiven,
    secondStep,
    replacesSessionId: request.session?.id,
    ...requestOrigin(request),
  })
  if (!created.ok) return { refused: created.code }
  return giveSession(reply, created, pages)
}

/** Hands a session made (by startSession, or with its account) to the browser: its cookie. */
export function giveSession(
  reply: FastifyReply,
  created: Extract<SessionCreation, { ok: true }>,
  pages: PageSessions,
): StartedSession {
  resetClientState(reply, pages)
  const { session, token, user } = created
  reply.setCookie(
    sessionCookieName(pages.cookieSecure),
    token,
    sessionCookieOptions({
      secure: pages.cookieSecure,
      maxAgeSeconds: session.remember ? pages.sessions.policy.rememberTimeoutSeconds : undefined,
    }),
  )
  return { id: session.id, token, session, user }
}

/** Signs out: the request's session ends (when it has one) and its cookie goes. */
export async function endSession(
  request: FastifyRequest,
  reply: FastifyReply,
  pages: PageSessions,
): Promise<void> {
  if (request.session) {
    await pages.sessions.endOne(request.session.userId, request.session.id)
    await recordAuthEvent(pages.db, {
      userId: request.session.userId,
      kind: 'signed_out',
      at: pages.now(),
      ...requestOrigin(request),
    })
  }
  resetClientState(reply, pages)
  reply.clearCookie(
    sessionCookieName(pages.cookieSecure),
    sessionCookieOptions({ secure: pages.cookieSecure }),
  )
}
