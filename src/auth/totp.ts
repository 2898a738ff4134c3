import { timingSafeEqual } from 'node:crypto'
import { generateHOTP } from '@oslojs/otp'
import { totpSecretBase32 } from './totp-secrets.js'

// TOTP codes (RFC 6238) as every authenticator app makes them by default: HMAC-SHA-1,
// 6 digits, 30-second steps. The code of a step is the HOTP (RFC 4226) of the step
// number; @oslojs/otp computes it. Its own TOTP functions read Date.now(), so the
// step is computed here, from the caller's clock: tests run on a fake clock, and
// the step that matched is known, for replay refusal.

export const TOTP_PERIOD_SECONDS = 30
export const TOTP_DIGITS = 6
/**
 * Steps accepted either side of now (RFC 6238 §5.2 suggests at most one): a phone's
 * clock a little off, or a code typed as its step ended, still works.
 */
export const TOTP_WINDOW_STEPS = 1
const CODE_PATTERN = /^\d{6}$/

/** The time step of `now`. */
export function totpStep(now: Date): number {
  return Math.floor(now.getTime() / 1000 / TOTP_PERIOD_SECONDS)
}

/** The code of one step (what the app shows during it). */
export function totpCode(secret: Uint8Array, step: number, digits = TOTP_DIGITS): string {
  return generateHOTP(secret, BigInt(step), digits)
}

export type TotpVerdict =
  { ok: true; step: number } | { ok: false; reason: 'malformed' | 'wrong' | 'replayed' }

/**
 * Checks a typed code against the steps around `now`. A code whose step is not
 * greater than `lastUsedStep` is refused as replayed: a code seen once (over a
 * shoulder, by a phishing page relaying it) is spent, and so is every older one.
 * The step returned must then be claimed (claimTotpStep), which makes the refusal
 * hold between two requests checking the same code at once.
 */
export function verifyTotp({
  secret,
  code,
  now,
  lastUsedStep,
}: {
  secret: Uint8Array
  code: string
  now: Date
  lastUsedStep: number | null
}): TotpVerdict {
  // Apps show "123 456"; people type it so.
  const typed = code.replace(/\s+/g, '')
  if (!CODE_PATTERN.test(typed)) return { ok: false, reason: 'malformed' }
  const given = Buffer.from(typed)
  const current = totpStep(now)
  let matched: number | undefined
  // Every step of the window is computed and compared, in constant time, whatever
  // matches: the time taken does not tell which step (or whether any) matched.
  for (let step = current - TOTP_WINDOW_STEPS; step <= current + TOTP_WINDOW_STEPS; step++) {
    const expected = Buffer.from(totpCode(secret, step))
    if (timingSafeEqual(given, expected) && matched === undefined) matched = step
  }
  if (matched === undefined) return { ok: false, reason: 'wrong' }
  if (lastUsedStep !== null && matched <= lastUsedStep) return { ok: false, reason: 'replayed' }
  return { ok: true, step: matched }
}

/**
 * The otpauth:// URI an authenticator app reads from a QR code (Google
 * Authenticator's Key Uri Format). The label is "issuer:account", each part
 * percent-encoded (a colon or space in a name must not split the label); the issuer
 * parameter repeats it, and algorithm, digits and period are given, not left to an
 * app's defaults.
 */
export function otpauthUri({
  issuer,
  accountName,
  secret,
}: {
  issuer: string
  accountName: string
  secret: Uint8Array
}): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(accountName)}`
  const params = [
    `secret=${totpSecretBase32(secret)}`,
    `issuer=${encodeURIComponent(issuer)}`,
    'algorithm=SHA1',
    `digits=${TOTP_DIGITS}`,
    `period=${TOTP_PERIOD_SECONDS}`,
  ]
  return `otpauth://totp/${label}?${params.join('&')}`
}
