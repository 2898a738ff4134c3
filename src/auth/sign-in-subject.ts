import { createHash } from 'node:crypto'
import { clientAddressKey } from './client-address.js'
import { usernameKey } from './usernames.js'

/** Whose attempt this is, as the counters know it. */
export interface SignInSubject {
  /** sha256 of the folded name: the same for a name that exists and one that does not. */
  nameKey: string
  addressKey: string
  /**
   * The device token this browser holds for the name (device-tokens.ts), if valid:
   * the attempt counts on that device's own counter instead of the account's, so
   * strangers who hold the account counter over its limit do not lock the owner out
   * (OWASP "Slow brute force" / device cookies).
   */
  deviceKey?: string | undefined
}

/** A typed name as the limits (`nameKey`, a digest) and the users table (`usernameKey`) know it. */
export function typedNameKeys(typedName: string): { nameKey: string; usernameKey: string } {
  const key = usernameKey(typedName.trim())
  return { nameKey: createHash('sha256').update(key).digest('base64url'), usernameKey: key }
}

export function signInSubject(typedName: string, ip: string, deviceKey?: string): SignInSubject {
  return { nameKey: typedNameKeys(typedName).nameKey, addressKey: clientAddressKey(ip), deviceKey }
}
