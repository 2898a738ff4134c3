import type { FastifyInstance, FastifyRequest } from 'fastify'
import { safeNextPath } from '../next-path.js'

// GET /auth/verify: a reverse proxy's sub-request (nginx auth_request, Caddy
// forward_auth, Traefik forwardAuth) asking whether the browser behind a request is
// signed in. The session plugin has validated the cookie exactly as for any page
// (limits, kept sessions, revocation on every instance, the touch), so this route
// only answers: 200 with who, or 401, or, when a trusted proxy says which address
// the person wanted, a 302 to sign in and come back there. No body either way: the
// proxy reads the status and the headers.

export const FORWARD_AUTH_PATH = '/auth/verify'

/**
 * The address the person asked the proxy for, when a trusted proxy says it
 * (X-Forwarded-Uri: Caddy, Traefik; X-Original-URI: the usual nginx setting), and it
 * is a path on this site: anything else cannot be a sign-in's `next`.
 */
function originalPath(request: FastifyRequest): string | undefined {
  const header = request.headers['x-forwarded-uri'] ?? request.headers['x-original-uri']
  return safeNextPath(Array.isArray(header) ? header[0] : header)
}

export async function forwardAuthRoutes(
  app: FastifyInstance,
  { trustProxy }: { trustProxy: boolean },
) {
  app.get(FORWARD_AUTH_PATH, async (request, reply) => {
    // Per browser, never from a cache: the answer is this cookie's, now.
    reply.header('cache-control', 'no-store').header('vary', 'Cookie')
    if (request.user && request.session) {
      return (
        reply
          // Names may hold any script's letters; a header holds Latin-1. Percent-encoded
          // UTF-8 leaves the ASCII names (letters, digits, _ - .) as they are.
          .header('x-logon-user', encodeURIComponent(request.user.username))
          .header('x-logon-session', request.session.id)
          .code(200)
          .send()
      )
    }
    // A client that reaches Logon directly could write these headers itself: they
    // are read only when the operator says a proxy is in front (TRUST_PROXY).
    const next = trustProxy ? originalPath(request) : undefined
    if (next !== undefined) return reply.redirect(`/login?next=${encodeURIComponent(next)}`, 302)
    return reply.code(401).send()
  })
}
