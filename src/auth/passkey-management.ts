import type { Queryable } from '../db/database.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import { countFixedWindowAttempt, type FixedWindowLimit } from './fixed-window-count.js'
import type { AttemptDecision } from './limit-waits.js'
import { deletePasskey, listPasskeys, renamePasskey, type Passkey } from './passkey-store.js'
import type { PasskeyServices } from './passkeys.js'
import type { ChallengeOwner } from './webauthn-challenges.js'

// What the account page does with passkeys besides adding one (passkeys.ts): list,
// rename, remove; and the limit on beginning ceremonies.

export type { Passkey } from './passkey-store.js'

export function passkeysOf(svc: PasskeyServices, userId: number): Promise<Passkey[]> {
  return listPasskeys(svc.db, userId)
}

export async function renamePasskeyOf(
  svc: PasskeyServices,
  input: { userId: number; passkeyId: string; name: string; origin: AuthEventOrigin },
): Promise<boolean> {
  const renamed = await renamePasskey(svc.db, {
    userId: input.userId,
    id: input.passkeyId,
    name: input.name,
  })
  if (renamed) {
    const event = { userId: input.userId, kind: 'passkey_renamed', at: svc.now() } as const
    await recordAuthEvent(svc.db, { ...event, ...input.origin })
  }
  return renamed
}

/**
 * Removes one of the account's passkeys. Like adding one, it ends the account's
 * other sessions (ASVS 7.4.3), in the same transaction. A passkey of another account
 * matches nothing: nothing happens.
 */
export async function removePasskeyOf(
  svc: PasskeyServices,
  input: { owner: ChallengeOwner; passkeyId: string; origin: AuthEventOrigin },
): Promise<{ removed: boolean; endedSessions: number }> {
  const { userId, sessionId } = input.owner
  return svc.db.transaction(async (tx) => {
    if (!(await deletePasskey(tx, { userId, id: input.passkeyId }))) {
      return { removed: false, endedSessions: 0 }
    }
    const endedSessions = await svc.sessions.endAll(userId, { except: sessionId, tx })
    await recordAuthEvent(tx, { userId, kind: 'passkey_removed', at: svc.now(), ...input.origin })
    return { removed: true, endedSessions }
  })
}

// Beginning a ceremony writes a challenge row, so beginnings are counted per client
// address (attempt_limits, shared by every instance, purged with the other counters),
// each kind on its own count so one cannot starve the other. Signing in is begun on
// every view of /login (the autofill's ceremony), so behind a shared address it must
// allow what registrations allow; adding a passkey or confirming with one is done by
// signed-in people, a handful at a time. A flood from one address is held to at most
// 5 minutes of its limit in live rows.
export const PASSKEY_SIGN_IN_STARTS = {
  scope: 'passkey_sign_in_address',
  windowSeconds: 60,
  limit: 300,
} as const satisfies FixedWindowLimit
export const PASSKEY_ACCOUNT_STARTS = {
  scope: 'passkey_account_address',
  windowSeconds: 60,
  limit: 30,
} as const satisfies FixedWindowLimit

/** Counts one ceremony begun from `addressKey` (clientAddressKey); in one statement. */
export function countPasskeyCeremonyStart(
  db: Queryable,
  kind: 'sign_in' | 'account',
  { addressKey, now }: { addressKey: string; now: Date },
): Promise<AttemptDecision> {
  const limit = kind === 'sign_in' ? PASSKEY_SIGN_IN_STARTS : PASSKEY_ACCOUNT_STARTS
  return countFixedWindowAttempt(db, limit, { key: addressKey, now })
}
