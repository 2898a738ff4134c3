import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { z } from 'zod'

// The shapes of what a browser sends back from navigator.credentials (as
// @simplewebauthn/browser serialises it), checked before anything is looked up or
// verified: bounded strings of base64url, nothing else. What they mean is for
// @simplewebauthn/server to verify.

const base64url = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .regex(/^[A-Za-z0-9_-]+$/)

const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const

// Credential IDs are at most 1023 bytes (WebAuthn Level 3, §5.8.3); 1366 in base64url.
const credentialId = base64url(1400)
const clientExtensionResults = z
  .record(z.string().max(64), z.unknown())
  .refine((value) => Object.keys(value).length <= 16)
const attachment = z.enum(['platform', 'cross-platform']).optional()

export const registrationResponse = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16_384),
    authenticatorData: base64url(8192).optional(),
    transports: z.array(z.enum(TRANSPORTS)).max(TRANSPORTS.length).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults,
}) satisfies z.ZodType<RegistrationResponseJSON>

export const authenticationResponse = z.object({
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(8192),
    signature: base64url(1024),
    userHandle: base64url(128).optional(),
  }),
  authenticatorAttachment: attachment,
  clientExtensionResults,
}) satisfies z.ZodType<AuthenticationResponseJSON>

const clientData = z.object({ challenge: base64url(512) })

/**
 * The challenge a response says it answers, read from its clientDataJSON, or null when
 * that is no JSON with a challenge. Only to find the challenge row: whether the
 * response really signs it is the verification's to say.
 */
export function challengeOf(clientDataJSON: string): string | null {
  try {
    const parsed = clientData.safeParse(
      JSON.parse(Buffer.from(clientDataJSON, 'base64url').toString('utf8')),
    )
    return parsed.success ? parsed.data.challenge : null
  } catch {
    return null
  }
}

/** The longest name a passkey may have, in characters (code points). */
export const PASSKEY_NAME_MAX_LENGTH = 64

/**
 * A passkey's name as it is kept: trimmed, 1 to 64 characters, no control
 * characters; null when it is none of that.
 */
export function passkeyName(typed: string): string | null {
  const name = typed.normalize('NFC').trim()
  const length = [...name].length
  if (length < 1 || length > PASSKEY_NAME_MAX_LENGTH) return null
  return /\p{Cc}/u.test(name) ? null : name
}
