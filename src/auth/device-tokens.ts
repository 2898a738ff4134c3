import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { Queryable } from '../db/database.js'

// Device tokens (OWASP "Slow Brute Force Attack Prevention": device cookies). A
// browser that signed in to an account carries a token for it. With a live token for
// the name it types, a sign-in counts on that device's own counter instead of the
// account's, so strangers holding the account counter over its limit cannot keep the
// owner out; the device's counter holds its own guesses to the name + address limit.
//
// A token is good while two things hold:
// - its signature (server secret) checks: a forged or altered cookie costs no query;
// - its row in device_tokens is there, for the account of the typed name, at the
//   account's current password version, not expired. The row is deleted when the
//   token is used for a sign-in (rotated: a copy someone took earlier is worth
//   nothing after the owner's next sign-in), goes stale when the password changes,
//   and goes with the account.
//
// One cookie holds the tokens of the last few accounts signed in from this browser:
//   entry = nameTag "." issuedAt "." nonce "." signature, entries joined by "~"
// nameTag is a short prefix of the name's digest (which account, not a secret);
// the signature covers the full digest, the time and the nonce.

export const DEVICE_TOKEN_MAX_AGE_SECONDS = 180 * 86400
const ACCOUNTS_PER_BROWSER = 5
/** Browsers one account keeps tokens for; a sign-in beyond it drops the oldest. */
export const DEVICE_TOKENS_PER_ACCOUNT = 50
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

/** What the table keeps of a token: never the nonce itself. */
function tokenDigest(nonce: string): string {
  return createHash('sha256').update(nonce).digest('base64url')
}

/**
 * The nonce of this browser's signed, unexpired token for `nameKey` (the folded
 * name's digest), or undefined. Anything malformed, forged, for another name or too
 * old is no token. Whether the server still holds it is isLiveDeviceToken's call.
 */
export function signedDeviceNonce(
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

/** True when the server still holds the token, for this name's account as it is now. */
export async function isLiveDeviceToken(
  db: Queryable,
  { nonce, usernameKey, now }: { nonce: string; usernameKey: string; now: Date },
): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM device_tokens d
       JOIN users u ON u.id = d.user_id AND u.password_version = d.password_version
      WHERE d.token_digest = $1 AND u.username_key = $2 AND d.expires_at > $3`,
    [tokenDigest(nonce), usernameKey, now],
  )
  return rows.length > 0
}

/**
 * After a successful sign-in to `nameKey`: a new token for the account, replacing
 * the one this browser used (if any), as a new cookie value, and its row. The
 * account keeps at most DEVICE_TOKENS_PER_ACCOUNT rows; the oldest beyond go.
 */
export async function issueDeviceToken(
  db: Queryable,
  cookie: string | undefined,
  {
    keys,
    nameKey,
    user,
    now,
  }: {
    keys: DeviceTokenKeys
    nameKey: string
    user: { id: number; passwordVersion: number }
    now: Date
  },
): Promise<string> {
  const tag = nameKey.slice(0, NAME_TAG_LENGTH)
  const used = signedDeviceNonce(cookie, { keys, nameKey, now })
  const issuedAt = Math.floor(now.getTime() / 1000)
  const nonce = randomBytes(16).toString('base64url')
  const expiresAt = new Date((issuedAt + DEVICE_TOKEN_MAX_AGE_SECONDS) * 1000)
  // One statement: the used token goes, the new one comes, the oldest beyond the cap go.
  await db.query(
    `WITH spent AS (
       DELETE FROM device_tokens WHERE token_digest = $1 AND user_id = $3
     ), added AS (
       INSERT INTO device_tokens (token_digest, user_id, password_version, created_at, expires_at)
       VALUES ($2, $3, $4, $5, $6)
     )
     DELETE FROM device_tokens WHERE token_digest IN (
       SELECT token_digest FROM device_tokens WHERE user_id = $3
        ORDER BY created_at DESC OFFSET $7::int - 1
     )`,
    [
      used === undefined ? '' : tokenDigest(used),
      tokenDigest(nonce),
      user.id,
      user.passwordVersion,
      now,
      expiresAt,
      DEVICE_TOKENS_PER_ACCOUNT,
    ],
  )
  const entry = `${tag}.${issuedAt}.${nonce}.${signature(keys, nameKey, issuedAt, nonce)}`
  const others = (cookie ?? '')
    .split('~')
    .filter((old) => ENTRY_PATTERN.test(old) && !old.startsWith(`${tag}.`))
  return [entry, ...others].slice(0, ACCOUNTS_PER_BROWSER).join('~')
}

/**
 * Deletes every device_tokens row of the account. A password change calls it: the
 * tokens are void anyway (their password version moved on), and this drops the rows.
 */
export async function deleteDeviceTokensOfUser(db: Queryable, userId: number): Promise<void> {
  await db.query('DELETE FROM device_tokens WHERE user_id = $1', [userId])
}

/** For the purge: deletes up to `limit` expired tokens; returns how many. */
export async function deleteExpiredDeviceTokens(
  db: Queryable,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const rows = await db.query(
    `DELETE FROM device_tokens WHERE token_digest IN (
       SELECT token_digest FROM device_tokens WHERE expires_at <= $1 LIMIT $2
     ) RETURNING 1`,
    [now, limit],
  )
  return rows.length
}
