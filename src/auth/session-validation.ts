import type { SessionPolicy } from '../config.js'
import type { Queryable } from '../db/database.js'
import { isSessionExpired, sessionNeedsTouch } from './session-lifetime.js'
import {
  deleteSessions,
  findSessionWithUser,
  toSession,
  writeSessionTouch,
  type Session,
} from './session-store.js'
import { parseSessionToken, sessionSecretMatches } from './tokens.js'

// Checking a cookie's token (after Lucia v3's validateSessionToken), with the copy
// of the session this instance keeps in memory when it has one.

export interface SessionUser {
  id: number
  username: string
}

export interface SessionValidation {
  session: Session
  user: SessionUser
}

/** What validation keeps in memory of a session (see src/cache/): never the token itself. */
export interface KnownSession extends SessionValidation {
  secretHash: Uint8Array
}

/** Where validated sessions are kept, keyed by session id (a FreshCache). */
export interface KnownSessions {
  get(sessionId: string): KnownSession | undefined
  generation(): number
  set(sessionId: string, known: KnownSession, readAtGeneration: number): void
  delete(sessionId: string): void
  deleteWhere(matches: (known: KnownSession) => boolean): void
}

interface ValidationContext {
  now: Date
  policy: SessionPolicy
  /** Defers the last_seen_at write to a batch (SessionTouches); without it, written here. */
  touch?: ((sessionId: string, at: Date) => void) | undefined
  known?: KnownSessions | undefined
}

/**
 * One round trip (session joined to its user), or none when the session is kept in
 * `known` (the secret is checked all the same), and a write only when last_seen_at
 * has grown older than the touch interval. Anything invalid, unknown or expired is
 * null, never an error; an expired row is deleted.
 */
export async function validateSessionToken(
  db: Queryable,
  token: string,
  context: ValidationContext,
): Promise<SessionValidation | null> {
  const { now, policy, known } = context
  const parsed = parseSessionToken(token)
  if (!parsed) return null
  const kept = known?.get(parsed.id)
  // A kept copy's last_seen_at is this instance's last noted use: another instance may
  // have seen a later one, and the batched write of this one may not have landed yet
  // (or failed). Either way the session was in use then, so if the copy says it is
  // alive, it is. If it says expired, ask the table.
  if (kept && !isSessionExpired(kept.session, now, policy)) {
    if (!sessionSecretMatches(parsed.secret, kept.secretHash)) return null
    await touchIfDue(db, kept.session, context)
    return { session: { ...kept.session }, user: kept.user }
  }
  const generation = known?.generation() ?? 0
  const row = await findSessionWithUser(db, parsed.id)
  if (!row || !sessionSecretMatches(parsed.secret, row.secret_hash)) return null
  const session = toSession(row)
  if (isSessionExpired(session, now, policy)) {
    await deleteSessions(db, [session.id])
    known?.delete(session.id)
    return null
  }
  await touchIfDue(db, session, context)
  const user = { id: row.user_id, username: row.username }
  // A copy: node-postgres parses a bytea into a view of an 8 KiB shared slab, which
  // the kept entry would hold on to.
  const secretHash = new Uint8Array(row.secret_hash)
  known?.set(session.id, { session, user, secretHash }, generation)
  return { session: { ...session }, user }
}

/** Notes the use of a session (moving its lastSeenAt) once the touch interval has passed. */
async function touchIfDue(
  db: Queryable,
  session: Session,
  { now, policy, touch }: ValidationContext,
): Promise<void> {
  if (!sessionNeedsTouch(session, now, policy)) return
  if (touch) touch(session.id, now)
  else await writeSessionTouch(db, session.id, { now, policy })
  session.lastSeenAt = now
}
