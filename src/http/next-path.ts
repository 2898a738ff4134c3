// Where a sign-in may send the browser afterwards (CONTRACT.md): only a path on
// this site. "//evil.example" and "/\evil.example" are read by browsers as
// protocol-relative URLs to another host, and control characters can be dropped
// by a browser to the same effect (OWASP Unvalidated Redirects cheat sheet).
const PROBE_ORIGIN = 'http://logon.invalid'

export function safeNextPath(next: unknown): string | undefined {
  if (typeof next !== 'string' || next.length === 0 || next.length > 2048) return undefined
  if (!next.startsWith('/') || next.startsWith('//') || next.startsWith('/\\')) return undefined
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(next)) return undefined
  try {
    if (new URL(next, PROBE_ORIGIN).origin !== PROBE_ORIGIN) return undefined
  } catch {
    return undefined
  }
  return next
}
