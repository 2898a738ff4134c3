import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import { validateSessionToken } from '../auth/sessions.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'
import type { SessionSettings } from './sign-in.js'

/**
 * Reads the session cookie on every request of the pages it wraps and sets
 * request.user / request.session. A missing, malformed, unknown or expired token
 * means signed out, never an error; a cookie that no longer signs anyone in is
 * cleared so the browser stops sending it.
 */
export const sessionPlugin = fp<SessionSettings>(async (app: FastifyInstance, opts) => {
  const cookieName = sessionCookieName(opts.cookieSecure)
  app.addHook('onRequest', async (request, reply) => {
    const token = request.cookies[cookieName]
    if (!token) return
    const result = await validateSessionToken(opts.db, token, {
      now: opts.now(),
      policy: opts.policy,
    })
    if (!result) {
      reply.clearCookie(cookieName, sessionCookieOptions({ secure: opts.cookieSecure }))
      return
    }
    request.session = result.session
    request.user = result.user
  })
})
