import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Sessions } from '../auth/sessions.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'

/**
 * Reads the session cookie on every request of the pages it wraps and sets
 * request.user / request.session. A missing, malformed, unknown or expired token
 * means signed out, never an error; a cookie that no longer signs anyone in is
 * cleared so the browser stops sending it.
 */
export interface SessionPluginOptions {
  sessions: Sessions
  cookieSecure: boolean
}

export const sessionPlugin = fp<SessionPluginOptions>(async (app: FastifyInstance, opts) => {
  const cookieName = sessionCookieName(opts.cookieSecure)

  async function readSession(request: FastifyRequest, reply: FastifyReply, token: string) {
    const result = await opts.sessions.validate(token)
    if (!result) {
      reply.clearCookie(cookieName, sessionCookieOptions({ secure: opts.cookieSecure }))
      return
    }
    request.session = result.session
    request.user = result.user
  }

  // Callback style so that a visitor without a session cookie costs no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const token = request.cookies[cookieName]
    if (!token) return done()
    readSession(request, reply, token).then(() => done(), done)
  })
})
