import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'

// Device tokens (OWASP "Slow Brute Force Attack Prevention": device cookies). A
// browser that signed in to an account carries a token for it, signed with the
// server secret. With a valid token for the name it types, a sign-in counts on that
// device's own counter instead of the account's, so strangers holding the account
// counter over its limit cannot keep the owner out (issue 9, finding 6); the
// device's counter holds its own guesses to the name + address limit.
//
// One cookie holds the tokens of the last few accounts signed in from this browser:
//   entry = nameTag "." issuedAt "." nonce "." signature, entries joined by "~"
// nameTag is a short prefix of the name's digest (which account, not a secret);
// the signature covers the full digest, the time and the nonce. A token is
// replaced by a new one at every sign-in it is used for (rotated at use), and is
// worth nothing after DEVICE_TOKEN_MAX_AGE_SECONDS.

export const DEVICE_TOKEN_MAX_AGE_SECONDS = 180 * 86400
const ACCOUNTS_PER_BROWSER = 5
const NAME_TAG_LENGTH = 12
const ENTRY_PATTERN = /^([\w-]{12})\.(\d{1,12})\.([\w-]{22})\.([\w-]{43})$/

export interface DeviceTokenKeys {
  readonly signingKey: Buffer
}

/** A key for device tokens only, derived from the server secret. */
export function deviceTokenKeys(serverSecret: string): DeviceTokenKeys {
  return { signingKey: createHmac('sha256', serverSecret).update('logon device token v1').digest() }
}

function signature(keys: DeviceTokenKeys, nameKey: string, issuedAt: number, nonce: string) {
  return createHmac('sha256', keys.signingKey)
    .update(`${nameKey}.${issuedAt}.${nonce}`)
    .digest('base64url')
}

/**
 * The device key (the nonce) of this browser's valid token for `nameKey`, or
 * undefined. Anything malformed, forged, for another name or too old is no token.
 */
export function deviceKeyFor(
  cookie: string | undefined,
  { keys, nameKey, now }: { keys: DeviceTokenKeys; nameKey: string; now: Date },
): string | undefined {
  if (!cookie || cookie.length > 1024) return undefined
  const tag = nameKey.slice(0, NAME_TAG_LENGTH)
  for (const entry of cookie.split('~')) {
    const match = ENTRY_PATTERN.exec(entry)
    if (!match || match[1] !== tag) continue
    const [, , issued, nonce, signed] = match as unknown as [string, string, string, string, string]
    const issuedAt = Number(issued)
    const age = now.getTime() / 1000 - issuedAt
    if (age < 0 || age > DEVICE_TOKEN_MAX_AGE_SECONDS) return undefined
    const expected = Buffer.from(signature(keys, nameKey, issuedAt, nonce))
    const given = Buffer.from(signed)
    return given.length === expected.length && timingSafeEqual(given, expected) ? nonce : undefined
  }
  return undefined
}

/**
 * The cookie after a successful sign-in to `nameKey`: a new token for it first
 * (replacing any older one for that name), then the others, at most a few.
 */
export function withNewDeviceToken(
  cookie: string | undefined,
  { keys, nameKey, now }: { keys: DeviceTokenKeys; nameKey: string; now: Date },
): string {
  const tag = nameKey.slice(0, NAME_TAG_LENGTH)
  const issuedAt = Math.floor(now.getTime() / 1000)
  const nonce = randomBytes(16).toString('base64url')
  const entry = `${tag}.${issuedAt}.${nonce}.${signature(keys, nameKey, issuedAt, nonce)}`
  const others = (cookie ?? '')
    .split('~')
    .filter((old) => ENTRY_PATTERN.test(old) && !old.startsWith(`${tag}.`))
  return [entry, ...others].slice(0, ACCOUNTS_PER_BROWSER).join('~')
}
