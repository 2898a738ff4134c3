import type { FastifyServerOptions } from 'fastify'
import type { Config } from '../config.js'

/**
 * TRUST_PROXY as Fastify's `trustProxy`. A list of proxy addresses is handed on as it
 * is (@fastify/proxy-addr checks each hop against it). A number of hops becomes a
 * function trusting the socket and the hops after it up to that count: Fastify 5
 * turns a plain number into "trust nothing" (a hop count cannot tell a proxy from a
 * client that connects directly), so Logon does the counting itself and the README
 * says what it asks of the operator: only the proxies can reach Logon.
 *
 * Either way X-Forwarded-For is read from the right, past the trusted hops only: the
 * client address is the entry the outermost trusted proxy appended, never the
 * left-most one a client can write to get a fresh sign-in limit at each request.
 */
export function fastifyTrustProxy(
  trustProxy: Config['trustProxy'],
): FastifyServerOptions['trustProxy'] {
  if (trustProxy === false) return false
  if (typeof trustProxy === 'number') {
    const hops = trustProxy
    return (_address: string, hop: number) => hop < hops
  }
  return [...trustProxy]
}
