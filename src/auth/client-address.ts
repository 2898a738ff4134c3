import { isIP } from 'node:net'

// The "client address" that sign-in and registration limits count by. One IPv6
// host usually holds a whole /64 (RFC 4291 §2.5.4, RFC 8981 privacy addresses) and
// one home or small site a /56 (RIPE-690), so counting single IPv6 addresses, or
// /64s, would give one customer 2^64, or 256, fresh budgets; a /56 counts as one
// address. One site may still hold a /48, whose 256 /56s could together fill the
// line of hashes: clientNetworkKey groups them for a share of their own. An
// IPv4-mapped IPv6 address (a dual-stack socket) is its IPv4 address.

/** What a request without a usable address counts as (a forged X-Forwarded-For). */
export const UNKNOWN_ADDRESS = 'unknown'

export function clientAddressKey(ip: string): string {
  const address = ip.replace(/%.*$/, '') // a zone index ("fe80::1%eth0") names a local interface
  const version = isIP(address)
  if (version === 4) return address
  if (version !== 6) return UNKNOWN_ADDRESS
  const groups = ipv6Groups(address)
  const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff
  if (mapped) {
    const [high = 0, low = 0] = groups.slice(6)
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.')
  }
  const [a = 0, b = 0, c = 0, d = 0] = groups
  return `${[a, b, c, d & 0xff00].map((g) => g.toString(16)).join(':')}::/56`
}

/**
 * The wider network of a client address (clientAddressKey), for a second, coarser
 * share of what one client may hold at once (the line of hashes): an IPv4 /24 or an
 * IPv6 /48, what one organisation or one hosting customer usually holds.
 */
export function clientNetworkKey(addressKey: string): string {
  if (addressKey.endsWith('::/56')) {
    return `${addressKey.split(':').slice(0, 3).join(':')}::/48`
  }
  const octets = addressKey.split('.')
  if (octets.length === 4) return `${octets.slice(0, 3).join('.')}.0/24`
  return addressKey
}

/** The eight 16-bit groups of a valid IPv6 address (isIP has checked it). */
function ipv6Groups(address: string): number[] {
  const [head = '', tail] = address.toLowerCase().split('::')
  const parse = (part: string) => (part === '' ? [] : part.split(':').flatMap(groupValues))
  const first = parse(head)
  const last = tail === undefined ? [] : parse(tail)
  const zeros = new Array<number>(8 - first.length - last.length).fill(0)
  return [...first, ...zeros, ...last]
}

/** A hex group, or the two groups of an embedded dotted IPv4 address ("::ffff:1.2.3.4"). */
function groupValues(group: string): number[] {
  if (!group.includes('.')) return [parseInt(group, 16)]
  const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number)
  return [(a << 8) | b, (c << 8) | d]
}
