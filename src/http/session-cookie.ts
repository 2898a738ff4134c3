import type { CookieSerializeOptions } from '@fastify/cookie'

// docs/contract.md "Session cookie". The __Host- prefix (RFC 6265bis §4.1.3.2) makes the
// browser refuse the cookie unless it is Secure, host-only and Path=/, so a sibling
// subdomain cannot plant or overwrite it.
export function sessionCookieName(secure: boolean): string {
  return secure ? '__Host-session' : 'session'
}

export function sessionCookieOptions({
  secure,
  maxAgeSeconds,
}: {
  secure: boolean
  /** Only for a remember-me session; otherwise the cookie ends with the browser. */
  maxAgeSeconds?: number | undefined
}): CookieSerializeOptions {
  return {
    httpOnly: true, // no script can read the token
    sameSite: 'lax', // sent on top-level navigation from elsewhere, not on cross-site POSTs
    secure,
    path: '/',
    ...(maxAgeSeconds === undefined ? {} : { maxAge: maxAgeSeconds }),
  }
}
