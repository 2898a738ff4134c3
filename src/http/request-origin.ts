import type { FastifyRequest } from 'fastify'
import { isIP } from 'node:net'

/** Where a request came from, for sessions and events: a real address only. */
export function requestOrigin(request: FastifyRequest): {
  ip: string | undefined
  userAgent: string | undefined
} {
  // With TRUST_PROXY a proxy may append an entry that is no address at all.
  return { ip: isIP(request.ip) ? request.ip : undefined, userAgent: request.headers['user-agent'] }
}
