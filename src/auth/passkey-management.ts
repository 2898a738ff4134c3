import type { Queryable } from '../db/database.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import { retryAfterSeconds, type AttemptDecision } from './limit-waits.js'
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

// Beginning a ceremony writes a challenge row; a client address may begin at most
// this many a minute (counted in attempt_limits, shared by every instance, purged with
// the other counters). A person needs a handful; a flood from one address is held to
// at most 5 minutes × 30 live rows.
export const PASSKEY_OPTIONS_WINDOW_SECONDS = 60
export const PASSKEY_OPTIONS_PER_ADDRESS_PER_MINUTE = 30

/** Counts one ceremony begun from `addressKey` (clientAddressKey); in one statement. */
export async function countPasskeyOptions(
  db: Queryable,
  addressKey: string,
  { now }: { now: Date },
): Promise<AttemptDecision> {
  const [row] = await db.query<{ attempts: number; blocked_until: Date }>(
    `INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
     VALUES ('passkey_options_address', $1, 1, $2::timestamptz, $2::timestamptz + $3::int * interval '1 second')
     ON CONFLICT (scope, key) DO UPDATE SET
       attempts = CASE WHEN l.blocked_until <= $2 THEN 1 ELSE l.attempts + 1 END,
       window_started_at = CASE WHEN l.blocked_until <= $2 THEN $2 ELSE l.window_started_at END,
       blocked_until = CASE WHEN l.blocked_until <= $2
                            THEN $2::timestamptz + $3::int * interval '1 second'
                            ELSE l.blocked_until END
     RETURNING attempts, blocked_until`,
    [addressKey, now, PASSKEY_OPTIONS_WINDOW_SECONDS],
  )
  if (!row || row.attempts <= PASSKEY_OPTIONS_PER_ADDRESS_PER_MINUTE) return { allowed: true }
  return { allowed: false, retryAfterSeconds: retryAfterSeconds(row.blocked_until, now) }
}
