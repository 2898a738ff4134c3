import type { Queryable } from '../db/database.js'

// Re-authentication ("sudo mode", issue 12): the changes that would let someone who
// found a signed-in browser keep the account (a new password, the second factor on
// or off, new recovery codes, passkeys, ending the owner's other sessions, deleting
// it) need the session to have proved who it is within REAUTH_MAX_AGE. A sign-in
// proves it; so does a confirmation with the password (and the second factor when
// on) or a passkey. sessions.authenticated_at (migration 0012) keeps when, NULL
// meaning at sign-in. It is read from the table at each check, not from memory: a
// stale copy could only ever err one way, and these changes are rare.

/** When the session last proved who it is, or null when there is no such session. */
export async function lastAuthenticatedAt(
  db: Queryable,
  { userId, sessionId }: { userId: number; sessionId: string },
): Promise<Date | null> {
  const [row] = await db.query<{ at: Date }>(
    `SELECT COALESCE(authenticated_at, created_at) AS at FROM sessions
      WHERE id = $1 AND user_id = $2`,
    [sessionId, userId],
  )
  return row?.at ?? null
}

/** Whether an authentication at `at` is recent enough at `now`. */
export function isRecentAuthentication(at: Date | null, now: Date, maxAgeSeconds: number): boolean {
  if (at === null) return false
  const age = now.getTime() - at.getTime()
  // A time ahead of the clock (another instance's clock a little ahead) counts as now.
  return age <= maxAgeSeconds * 1000
}

/** Notes that the session has just proved who it is. */
export async function markAuthenticated(
  db: Queryable,
  { userId, sessionId, now }: { userId: number; sessionId: string; now: Date },
): Promise<void> {
  await db.query('UPDATE sessions SET authenticated_at = $3 WHERE id = $1 AND user_id = $2', [
    sessionId,
    userId,
    now,
  ])
}
