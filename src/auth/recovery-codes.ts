import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { encodeBase32NoPadding } from '@oslojs/encoding'

// Recovery codes (issue 12): ten single-use codes shown once when the second factor
// is set up, for the day the phone is lost. Each is a secret of 120 bits from the
// CSPRNG, above ASVS 6.5.2's 112: with that much entropy a guess is hopeless even
// against a fast hash, so the table keeps sha256 of each code (no slow hash, no
// salt needed) and never the code itself.
//
// Shown as four groups of six Base32 characters, "ABCDEF-GHIJKL-MNOPQR-STUVWX":
// RFC 4648's alphabet has no 0, 1, 8 or 9, so nothing reads as two characters.
// Typed back, case, spaces and dashes do not count, and the digits people type for
// the letters they look like (0 for O, 1 for I, 8 for B) are read as those letters.

export const RECOVERY_CODE_COUNT = 10
/** 15 bytes: 120 bits, exactly 24 Base32 characters, no padding. */
export const RECOVERY_CODE_BYTES = 15
const CODE_LENGTH = 24
const GROUP_LENGTH = 6
const BASE32_CODE = /^[A-Z2-7]{24}$/

export interface RecoveryCodes {
  /** To show the user, once. */
  codes: string[]
  /** To store, in the same order. */
  hashes: string[]
}

/** A fresh set of codes and their hashes. */
export function generateRecoveryCodes(): RecoveryCodes {
  const codes: string[] = []
  for (let i = 0; i < RECOVERY_CODE_COUNT; i++) {
    const raw = encodeBase32NoPadding(randomBytes(RECOVERY_CODE_BYTES))
    codes.push(raw.match(new RegExp(`.{${GROUP_LENGTH}}`, 'g'))!.join('-'))
  }
  return { codes, hashes: codes.map((code) => hashRecoveryCode(code)!) }
}

/** A typed code in the form it is hashed in, or null when it cannot be a code. */
export function normalizeRecoveryCode(input: string): string | null {
  // Anything longer is not worth the work of normalising.
  if (input.length > 4 * CODE_LENGTH) return null
  const code = input
    .toUpperCase()
    .replace(/[\s\-‐‑‒–—]+/g, '')
    .replace(/0/g, 'O')
    .replace(/1/g, 'I')
    .replace(/8/g, 'B')
  return BASE32_CODE.test(code) ? code : null
}

/** What the table keeps of a code (typed in any form), or null when it is no code. */
export function hashRecoveryCode(input: string): string | null {
  const code = normalizeRecoveryCode(input)
  return code === null ? null : createHash('sha256').update(code).digest('hex')
}

/**
 * Whether a typed code is the one behind `hash`, compared in constant time. The
 * store looks a code up by its hash instead (useRecoveryCode); this is for a caller
 * holding a hash already.
 */
export function recoveryCodeMatches(input: string, hash: string): boolean {
  const typed = hashRecoveryCode(input)
  if (typed === null) return false
  const given = Buffer.from(typed, 'hex')
  const stored = Buffer.from(hash, 'hex')
  return given.length === stored.length && timingSafeEqual(given, stored)
}
