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

/** A header's one value, or undefined. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value
}

/**
 * Where to send a person who is not signed in, when a trusted proxy says which
 * address they asked for (and it is a path on this site: anything else cannot be a
 * sign-in's `next`), and how:
 * - X-Forwarded-Uri (Caddy forward_auth, Traefik forwardAuth): those proxies hand
 *   the answer to the browser as it is, so it is a 302.
 * - X-Original-URI (the nginx convention): nginx's auth_request takes only 2xx, 401
 *   and 403 from the sub-request (anything else becomes a 500), so it is a 401 that
 *   carries the Location, which the nginx configuration turns into its redirect
 *   (`auth_request_set $signin $upstream_http_location; error_page 401 =302 $signin;`).
 * The address is absolute, at PUBLIC_ORIGIN: nginx reads an error_page target that
 * starts with "/" as an internal redirect, not as a Location.
 */
function signInFor(
  request: FastifyRequest,
  publicOrigin: string,
): { status: 302 | 401; location: string } | undefined {
  const signIn = (next: string) => `${publicOrigin}/login?next=${encodeURIComponent(next)}`
  // nginx's header first: a client behind nginx could add an X-Forwarded-Uri of its
  // own, which nginx passes to the sub-request, and a 302 there is nginx's 500.
  const original = safeNextPath(single(request.headers['x-original-uri']))
  if (original !== undefined) return { status: 401, location: signIn(original) }
  const forwarded = safeNextPath(single(request.headers['x-forwarded-uri']))
  if (forwarded !== undefined) return { status: 302, location: signIn(forwarded) }
  return undefined
}

export async function forwardAuthRoutes(
  app: FastifyInstance,
  { trustProxy, publicOrigin }: { trustProxy: boolean; publicOrigin: string },
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
    const signIn = trustProxy ? signInFor(request, publicOrigin) : undefined
    if (signIn) return reply.code(signIn.status).header('location', signIn.location).send()
    return reply.code(401).send()
  })
}
