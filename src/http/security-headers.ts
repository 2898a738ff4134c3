import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet, { type HelmetOptions } from 'helmet'
import type { IncomingMessage, ServerResponse } from 'node:http'

// Security headers: strict CSP whose only scripts are this site's files (the passkey
// pages' two, never inline, no inline event handlers), which may call back only here,
// nosniff, frame-ancestors 'none' against clickjacking, Referrer-Policy, and HSTS
// only when cookies are Secure (i.e. the site is served over HTTPS).

const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  // The passkey script and the WebAuthn library, files of this site; nothing inline.
  scriptSrc: ["'self'"],
  // Their fetch() of the ceremonies' JSON, to this site only.
  connectSrc: ["'self'"],
  styleSrc: ["'self'"],
  // data: for Pico's inline SVG icons (checkbox tick, field states); images run no script.
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
}

function helmetOptions(hsts: boolean): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' }, // the same as frame-ancestors 'none', for old browsers
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: hsts ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  }
}

/**
 * The headers helmet sets with Logon's options. They are the same for every
 * answer (no per-request nonce: the pages have no inline script), so helmet runs once,
 * against a stand-in response, and each request copies the result: running helmet
 * per request (as @fastify/helmet does) re-reads its options every time.
 */
export function securityHeaderValues(hsts: boolean): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }
  let done = false
  helmet(helmetOptions(hsts))(
    {} as IncomingMessage,
    response as unknown as ServerResponse,
    (error?: unknown) => {
      if (error) throw error instanceof Error ? error : new Error('helmet failed', { cause: error })
      done = true
    },
  )
  if (!done) throw new Error('helmet did not finish synchronously')
  return Object.freeze(headers)
}

export const securityHeaders = fp<{ hsts: boolean }>(async (app: FastifyInstance, opts) => {
  const headers = securityHeaderValues(opts.hsts)
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers)
    done()
  })
})

/**
 * The same headers for the answers Fastify writes before any hook runs (an
 * unparsable URL, a malformed request line), where the hook cannot reach. Without
 * HSTS: those handlers are set before the configuration is known.
 */
export const baselineSecurityHeaders = securityHeaderValues(false)
