import { isIP } from 'node:net'
import { z } from 'zod'

// PUBLIC_ORIGIN: where browsers reach Logon (behind a proxy, the proxy's address).
// WebAuthn binds every passkey to a relying party ID, which is a host name
// (W3C WebAuthn Level 3, §5.1.4.1 and "RP ID"): an IP address cannot be one, so it is
// refused at start rather than at the first passkey, where it would fail in the browser.

export interface RelyingParty {
  /** The origin as browsers write it in clientDataJSON: scheme, host, port if not default. */
  readonly origin: string
  /** The RP ID: the origin's host name. */
  readonly id: string
}

const MESSAGE = 'must be an http:// or https:// origin with a host name, no path or query'

export const publicOrigin = z.string().transform((value, ctx): RelyingParty => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: MESSAGE })
    return z.NEVER
  }
  const bare =
    (url.protocol === 'http:' || url.protocol === 'https:') &&
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    // "https://example.com/" is fine; "https://example.com/x" and "…?" are not.
    /^https?:\/\/[^/?#]+\/?$/i.test(value)
  if (!bare) {
    ctx.addIssue({ code: 'custom', message: MESSAGE })
    return z.NEVER
  }
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1')
  if (isIP(host) !== 0) {
    ctx.addIssue({
      code: 'custom',
      message: `must name a host, not the IP address ${host}: passkeys (WebAuthn) need a host name`,
    })
    return z.NEVER
  }
  // Browsers run WebAuthn only in a secure context: https, or http on this machine.
  const local = url.hostname === 'localhost' || url.hostname.endsWith('.localhost')
  if (url.protocol === 'http:' && !local) {
    ctx.addIssue({
      code: 'custom',
      message: `must be https:// for ${url.hostname}: browsers allow passkeys over http only on localhost`,
    })
    return z.NEVER
  }
  return Object.freeze({ origin: url.origin, id: url.hostname })
})

/** The default: this machine's name for itself, on the port Logon listens on. */
export function defaultPublicOrigin(port: number): RelyingParty {
  return Object.freeze({ origin: `http://localhost:${port}`, id: 'localhost' })
}
