import csrfProtection from '@fastify/csrf-protection'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

// Two layers against cross-site request forgery (OWASP CSRF Prevention cheat sheet):
// 1. Fetch metadata and Origin: a browser names where an unsafe request came from;
//    anything but this site is refused before the body is read (as Hono's csrf
//    middleware does).
// 2. A synchroniser token in every form, for clients that send neither header:
//    @fastify/csrf-protection keeps a per-client secret in a signed HttpOnly cookie
//    and derives the form tokens from it, so a token only verifies for the client
//    that loaded the form, signed in or not (forms before sign-in need one too).

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS'])

/** A method that changes nothing (RFC 9110 §9.2.1): never refused as a forgery. */
export function isSafeMethod(method: string): boolean {
  return SAFE_METHODS.has(method)
}

export class ForgeryError extends Error {
  readonly code = 'FORGERY_REFUSED'
  readonly statusCode = 403
}

/**
 * Whether an Origin header names this site. Both sides go through the URL parser,
 * so "http://Example.com:80" and "http://example.com" compare equal. With
 * TRUST_PROXY, Fastify takes protocol and host from X-Forwarded-Proto/-Host.
 * "null" (sandboxed frames, some redirects) does not parse: refused.
 */
function isSameOrigin(origin: string, request: FastifyRequest): boolean {
  try {
    return new URL(origin).origin === new URL(`${request.protocol}://${request.host}`).origin
  } catch {
    return false
  }
}

export function isCrossSiteRequest(request: FastifyRequest): boolean {
  const fetchSite = request.headers['sec-fetch-site']
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true
  const origin = request.headers.origin
  return origin !== undefined && !isSameOrigin(origin, request)
}

export function csrfCookieName(secure: boolean): string {
  return secure ? '__Host-csrf' : 'csrf'
}

export function csrfCookieOptions(secure: boolean) {
  return { path: '/', sameSite: 'lax', httpOnly: true, secure, signed: true } as const
}

export const forgeryProtection = fp<{ cookieSecure: boolean }>(
  async (app: FastifyInstance, opts) => {
    await app.register(csrfProtection, {
      cookieKey: csrfCookieName(opts.cookieSecure),
      cookieOpts: csrfCookieOptions(opts.cookieSecure),
      // Only the `_csrf` field of the parsed body: a form's hidden input, or the same
      // field of the passkey ceremonies' JSON (routes/passkeys.tsx, which take JSON
      // only); a repeated field (an array) or any other type is no token.
      getToken: (request) => {
        const token = (request.body as Record<string, unknown> | undefined)?._csrf
        return typeof token === 'string' ? token : undefined
      },
    })

    // Callback style, as the preHandler below: nothing here waits, and an async hook
    // costs every request a promise and a turn of the microtask queue.
    app.addHook('onRequest', (request, _reply, done) => {
      if (!SAFE_METHODS.has(request.method) && isCrossSiteRequest(request)) {
        return done(new ForgeryError('cross-site request refused'))
      }
      done()
    })

    // After the body is parsed, so the form's token can be read.
    app.addHook('preHandler', (request, reply, done) => {
      if (SAFE_METHODS.has(request.method)) return done()
      app.csrfProtection(request, reply, done)
    })
  },
)
