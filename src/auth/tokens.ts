import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Session tokens in the "id.secret" form of the Copenhagen Book / Lucia: the id is
// a public handle (the account page names sessions by it), the secret has 256 bits
// from the CSPRNG and is kept only by the cookie; the database stores sha256(secret).
// This module is the only place that knows the format: the seed and the benchmark
// make their tokens here too.

const ID_BYTES = 15 // 120 bits: unguessable, so a public id reveals nothing useful
const SECRET_BYTES = 32
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{43})$/

export interface SessionToken {
  id: string
  secret: string
  token: string
}

export function generateSessionToken(): SessionToken {
  return generateSessionTokens(1)[0]!
}

/**
 * `count` new tokens from one draw of the CSPRNG: the seed makes a hundred thousand
 * at a time, and one draw each would take several times longer.
 */
export function generateSessionTokens(count: number): SessionToken[] {
  const size = ID_BYTES + SECRET_BYTES
  const bytes = randomBytes(count * size)
  return Array.from({ length: count }, (_, i) => {
    const at = i * size
    const id = bytes.subarray(at, at + ID_BYTES).toString('base64url')
    const secret = bytes.subarray(at + ID_BYTES, at + size).toString('base64url')
    return { id, secret, token: `${id}.${secret}` }
  })
}

/** Splits a cookie value; anything not shaped like a token is null, never an error. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = TOKEN_PATTERN.exec(token)
  return match ? { id: match[1]!, secret: match[2]! } : null
}

export function hashSessionSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest()
}

/** Constant-time comparison of sha256(secret) with the stored hash. */
export function sessionSecretMatches(secret: string, storedHash: Uint8Array): boolean {
  const expected = Buffer.from(storedHash)
  const actual = hashSessionSecret(secret)
  return expected.length === actual.length && timingSafeEqual(expected, actual)
}
