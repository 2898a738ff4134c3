import { isIP } from 'node:net'
import { z } from 'zod'

/**
 * TRUST_PROXY (docs/contract.md): `false`; `true` = one proxy; a number = that many
 * proxies in a row; or a comma list of the proxies' addresses and CIDR ranges.
 * Fastify (through @fastify/proxy-addr) then walks X-Forwarded-For from the right,
 * past the trusted hops only, so the client address is the entry the nearest
 * untrusted hop appended: never one the client wrote, which would let it name a fresh
 * address for the sign-in limits at each request and a false one in the security log.
 * `true` is not Fastify's `true`, which trusts every hop and takes the left-most
 * entry, the one the client wrote.
 */
export const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  if (value === 'false') return false
  if (value === 'true') return 1
  if (/^\d{1,2}$/.test(value) && Number(value) >= 1) return Number(value)
  const entries = value.split(',').map((entry) => entry.trim())
  if (entries.every(isProxyAddressOrRange)) return entries
  ctx.addIssue({
    code: 'custom',
    message:
      'must be false, true (one proxy), a number of proxies from 1 to 99, or a comma list of proxy addresses/CIDR ranges',
  })
  return z.NEVER
})

const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])

function isProxyAddressOrRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)
}
