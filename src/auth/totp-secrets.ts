import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'
import { encodeBase32NoPadding } from '@oslojs/encoding'

// TOTP secrets (issue 12). Unlike a password or a session secret, a TOTP secret
// cannot be kept as a hash: the server must compute codes from it. So it is kept
// encrypted, under a key the database does not hold: a copy of the table alone (a
// backup, a leaked dump) gives no codes.
//
// Stored value: "v1." + base64url(nonce ‖ ciphertext ‖ tag), AES-256-GCM.
// - The version prefix lets a later key or cipher live beside this one.
// - The nonce is 96 random bits per secret: GCM's nonce size, and far from a repeat
//   at the few encryptions an account makes (a repeated nonce under one key would
//   give away both plaintexts' XOR and the authentication key).
// - The user id is additional authenticated data: a value copied into another
//   account's row does not decrypt there, so a write to the wrong row (or an attacker
//   able to move rows) cannot give one account another's factor.

/** RFC 4226 §4: a shared secret of at least 128 bits; 160 recommended. */
export const TOTP_SECRET_BYTES = 20
const VERSION = 'v1'
const NONCE_BYTES = 12
const TAG_BYTES = 16
const INFO = 'logon totp secret v1'

export interface TotpSecretKey {
  readonly encryptionKey: Buffer
}

/**
 * The key for TOTP secrets only, derived from the server secret with HKDF-SHA256:
 * its own label, so it is independent of the keys other features derive from the
 * same secret (device tokens, ...), and changing one feature's label moves no other.
 */
export function totpSecretKey(serverSecret: string): TotpSecretKey {
  const key = hkdfSync('sha256', serverSecret, Buffer.alloc(0), INFO, 32)
  return { encryptionKey: Buffer.from(key) }
}

/** A new secret from the CSPRNG. */
export function generateTotpSecret(): Uint8Array {
  return new Uint8Array(randomBytes(TOTP_SECRET_BYTES))
}

/** The secret as authenticator apps take it typed in: Base32, no padding. */
export function totpSecretBase32(secret: Uint8Array): string {
  return encodeBase32NoPadding(secret)
}

function associatedData(userId: number): Buffer {
  return Buffer.from(`logon totp secret of user ${userId}`)
}

/** The secret encrypted for the row of `userId`. */
export function encryptTotpSecret(
  key: TotpSecretKey,
  { userId, secret }: { userId: number; secret: Uint8Array },
): string {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key.encryptionKey, nonce, {
    authTagLength: TAG_BYTES,
  })
  cipher.setAAD(associatedData(userId))
  const ciphertext = Buffer.concat([cipher.update(secret), cipher.final()])
  const sealed = Buffer.concat([nonce, ciphertext, cipher.getAuthTag()])
  return `${VERSION}.${sealed.toString('base64url')}`
}

/**
 * The secret of `userId`'s row, or null when the value does not decrypt: altered,
 * from another account's row, under another server secret, or of an unknown version.
 * Null, not an exception: to the caller it is an account whose factor cannot be
 * checked, which refuses the code, and says so in its own words.
 */
export function decryptTotpSecret(
  key: TotpSecretKey,
  { userId, stored }: { userId: number; stored: string },
): Uint8Array | null {
  const [version, body, ...rest] = stored.split('.')
  if (version !== VERSION || body === undefined || rest.length > 0) return null
  const sealed = Buffer.from(body, 'base64url')
  if (sealed.length < NONCE_BYTES + TAG_BYTES + 1) return null
  const nonce = sealed.subarray(0, NONCE_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  const ciphertext = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey, nonce, {
    authTagLength: TAG_BYTES,
  })
  decipher.setAAD(associatedData(userId))
  decipher.setAuthTag(tag)
  try {
    return new Uint8Array(Buffer.concat([decipher.update(ciphertext), decipher.final()]))
  } catch {
    // final() throws when the tag does not check: the one signal GCM gives.
    return null
  }
}
