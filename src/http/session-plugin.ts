import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { TOUCH_FLUSH_INTERVAL_MS } from '../auth/session-expiry.js'
import { SessionTouches } from '../auth/session-touches.js'
import { validateSessionToken } from '../auth/sessions.js'
import { sessionCookieName, sessionCookieOptions } from './session-cookie.js'
import type { SessionSettings } from './sign-in.js'

/**
 * Reads the session cookie on every request of the pages it wraps and sets
 * request.user / request.session. A missing, malformed, unknown or expired token
 * means signed out, never an error; a cookie that no longer signs anyone in is
 * cleared so the browser stops sending it.
 */
export interface SessionPluginOptions extends SessionSettings {
  /** Batch last_seen_at writes (the default); tests driving a fake clock write inline. */
  batchTouches: boolean
}

export const sessionPlugin = fp<SessionPluginOptions>(async (app: FastifyInstance, opts) => {
  const cookieName = sessionCookieName(opts.cookieSecure)
  const touches = opts.batchTouches
    ? new SessionTouches(opts.db, {
        flushIntervalMs: TOUCH_FLUSH_INTERVAL_MS,
        onError: (error) => app.log.warn({ err: error }, 'writing session last-seen times failed'),
      })
    : undefined
  // Before the database closes (main.ts closes it after the app): pending touches land.
  if (touches) app.addHook('onClose', () => touches.close())

  async function readSession(request: FastifyRequest, reply: FastifyReply, token: string) {
    const result = await validateSessionToken(opts.db, token, {
      now: opts.now(),
      policy: opts.policy,
      touch: touches?.touch,
      known: opts.caches?.sessions,
    })
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
