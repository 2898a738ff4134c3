// Where a sign-in may send the browser afterwards (docs/contract.md): only a path on
// this site. "//evil.example" and "/\evil.example" are read by browsers as
// protocol-relative URLs to another host, and control characters (C0 and C1) can
// be dropped by a browser to the same effect (OWASP Unvalidated Redirects cheat
// sheet). The answer is the URL re-serialised by the WHATWG parser: percent-encoded
// ASCII, always valid in a Location header.
const PROBE_ORIGIN = 'http://logon.invalid'

export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return undefined
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return undefined
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f-\u009f]/.test(next)) return undefined
  let url: URL
  try {
    url = new URL(next, PROBE_ORIGIN)
  } catch {
    return undefined
  }
  if (url.origin !== PROBE_ORIGIN || url.pathname.startsWith('//')) return undefined
  return `${url.pathname}${url.search}${url.hash}`
}
