import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Sessions } from '../../auth/sessions.js'
import { isCrossSiteRequest, isSafeMethod } from '../forgery.js'
import { sessionCookieName, sessionCookieOptions } from '../session-cookie.js'
import { signInStepCookieName } from '../sign-in-step-cookie.js'
import { sendProblem } from './problem.js'

// Who an API request is, and whether a write may go on (docs/contract.md, "JSON API"):
// - `Authorization: Bearer ID.SECRET` or the session cookie: the same token, the same
//   server-side session, validated by the same service as every page (limits, kept
//   sessions, revocation on every instance). A bearer that does not validate is no one:
//   it never falls back to the cookie.
// - The cookie is ambient: any site can make a browser send it. A write that carries a
//   Logon cookie (session or sign-in step) without a valid bearer goes on only when the
//   browser says the request came from this origin (Origin, or Sec-Fetch-Site:
//   same-origin): no header, no write. A write without either cookie is refused when
//   the browser says it came from elsewhere (a forged sign-in).
// - Every body must be application/json, so no HTML form and no "simple" cross-site
//   fetch (text/plain) can reach a handler: their bodies are refused before parsing.

// RFC 6750 §2.1: b64token. Session tokens are base64url id.secret, well inside it.
const BEARER = /^Bearer +([\w.~+/-]+=*) *$/i

export type AuthenticatedBy = 'bearer' | 'cookie' | null

declare module 'fastify' {
  interface FastifyRequest {
    /** How the API request proved its session (null: it did not). */
    authenticatedBy: AuthenticatedBy
  }
}

function saysSameOrigin(request: FastifyRequest): boolean {
  if (request.headers['sec-fetch-site'] === 'same-origin') return true
  // isCrossSiteRequest is false for a missing Origin: here one must be present.
  return request.headers.origin !== undefined && !isCrossSiteRequest(request)
}

function isJson(request: FastifyRequest): boolean {
  const type = request.headers['content-type']
  if (type === undefined) return false
  return type.split(';', 1)[0]!.trim().toLowerCase() === 'application/json'
}

function hasBody(request: FastifyRequest): boolean {
  return (
    request.headers['content-type'] !== undefined ||
    request.headers['transfer-encoding'] !== undefined ||
    (request.headers['content-length'] !== undefined && request.headers['content-length'] !== '0')
  )
}

export interface ApiAuthenticationOptions {
  sessions: Sessions
  cookieSecure: boolean
}

export const apiAuthentication = fp<ApiAuthenticationOptions>(
  async (app: FastifyInstance, { sessions, cookieSecure }) => {
    const sessionCookie = sessionCookieName(cookieSecure)
    const stepCookie = signInStepCookieName(cookieSecure)
    app.decorateRequest('authenticatedBy', null)

    async function authenticate(request: FastifyRequest, reply: FastifyReply) {
      const authorization = request.headers.authorization
      if (authorization !== undefined) {
        const token = BEARER.exec(authorization)?.[1]
        const result = token === undefined ? null : await sessions.validate(token)
        if (result) {
          request.user = result.user
          request.session = result.session
          request.authenticatedBy = 'bearer'
        }
        return
      }
      const token = request.cookies[sessionCookie]
      if (!token) return
      const result = await sessions.validate(token)
      if (!result) {
        reply.clearCookie(sessionCookie, sessionCookieOptions({ secure: cookieSecure }))
        return
      }
      request.user = result.user
      request.session = result.session
      request.authenticatedBy = 'cookie'
    }

    function refusedWrite(request: FastifyRequest, reply: FastifyReply): FastifyReply | null {
      if (isSafeMethod(request.method)) return null
      // Only a bearer that validated carries no ambient credential: any other
      // Authorization (a browser's cached Basic credentials, say) proves nothing.
      if (request.authenticatedBy !== 'bearer') {
        const ambient =
          request.cookies[sessionCookie] !== undefined || request.cookies[stepCookie] !== undefined
        if (ambient ? !saysSameOrigin(request) : isCrossSiteRequest(request)) {
          return sendProblem(request, reply, 403, 'forbidden_origin')
        }
      }
      const needsBody = request.routeOptions.schema?.body !== undefined
      if ((needsBody || hasBody(request)) && !isJson(request)) {
        return sendProblem(request, reply, 415, 'unsupported_media_type')
      }
      return null
    }

    // Before the body is read: a refused write costs no parsing.
    app.addHook('onRequest', async (request, reply) => {
      reply.header('cache-control', 'no-store')
      await authenticate(request, reply)
      const refused = refusedWrite(request, reply)
      if (refused) return refused
    })
  },
)

/** The signed-in user and session of an API request, or a 401 problem sent. */
export function requireSession(request: FastifyRequest, reply: FastifyReply) {
  if (request.user && request.session) return { user: request.user, session: request.session }
  const challenge =
    request.headers.authorization === undefined ? 'Bearer' : 'Bearer error="invalid_token"'
  void sendProblem(request, reply.header('www-authenticate', challenge), 401, 'unauthenticated')
  return null
}
