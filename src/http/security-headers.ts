import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// DESIGN.md "Headers": strict CSP with no script at all (the pages need none),
// nosniff, frame-ancestors 'none' against clickjacking, Referrer-Policy, and HSTS
// only when cookies are Secure (i.e. the site is served over HTTPS).

const CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  styleSrc: ["'self'"],
  // data: for Pico's inline SVG icons (checkbox tick, field states); images run no script.
  imgSrc: ["'self'", 'data:'],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  baseUri: ["'none'"],
}

const REFERRER_POLICY = 'same-origin'

export const securityHeaders = fp<{ hsts: boolean }>(async (app: FastifyInstance, opts) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CSP_DIRECTIVES },
    frameguard: { action: 'deny' }, // the same as frame-ancestors 'none', for old browsers
    referrerPolicy: { policy: REFERRER_POLICY },
    strictTransportSecurity: opts.hsts ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  })
})

/**
 * The same core headers for the answers Fastify writes before any hook runs
 * (an unparsable URL, a malformed request line), where helmet cannot reach.
 */
export const baselineSecurityHeaders: Readonly<Record<string, string>> = Object.freeze({
  'content-security-policy': Object.entries(CSP_DIRECTIVES)
    .map(
      ([name, values]) =>
        `${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} ${values.join(' ')}`,
    )
    .join(';'),
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': REFERRER_POLICY,
})
