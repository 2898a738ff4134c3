import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

// Session tokens in the "id.secret" form of the Copenhagen Book / Lucia: the id is
// a public handle (the account page names sessions by it), the secret has 256 bits
// from the CSPRNG and is kept only by the cookie; the database stores sha256(secret).

const ID_BYTES = 15 // 120 bits: unguessable, so a public id reveals nothing useful
const SECRET_BYTES = 32
const TOKEN_PATTERN = /^([A-Za-z0-9_-]{20})\.([A-Za-z0-9_-]{43})$/

export interface SessionToken {
  id: string
  secret: string
  token: string
}

export function generateSessionToken(): SessionToken {
  const id = randomBytes(ID_BYTES).toString('base64url')
  const secret = randomBytes(SECRET_BYTES).toString('base64url')
  return { id, secret, token: `${id}.${secret}` }
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
