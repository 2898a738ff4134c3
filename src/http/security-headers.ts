import helmet from '@fastify/helmet'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'

// DESIGN.md "Headers": strict CSP with no script at all (the pages need none),
// nosniff, frame-ancestors 'none' against clickjacking, Referrer-Policy, and HSTS
// only when cookies are Secure (i.e. the site is served over HTTPS).
export const securityHeaders = fp<{ hsts: boolean }>(async (app: FastifyInstance, opts) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'none'"],
        styleSrc: ["'self'"],
        // data: for Pico's inline SVG icons (checkbox tick, field states); images run no script.
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: opts.hsts ? { maxAge: 31536000, includeSubDomains: true } : false,
    crossOriginEmbedderPolicy: false,
  })
})
