import type { SessionPolicy } from '../config.js'
import type { Database, Queryable } from '../db/database.js'
import {
  absoluteExpiry,
  isSessionExpired,
  sessionNeedsTouch,
  touchIntervalMs,
  type SessionTimes,
} from './session-expiry.js'
import {
  generateSessionToken,
  hashSessionSecret,
  parseSessionToken,
  sessionSecretMatches,
} from './tokens.js'

// Session lifecycle as plain functions (after Lucia v3's core.ts).

export interface Session extends SessionTimes {
  id: string
  userId: number
  userAgent: string | null
  ip: string | null
}

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
}

interface SessionRow {
  id: string
  secret_hash: Uint8Array
  user_id: number
  created_at: Date
  last_seen_at: Date
  expires_at: Date
  remember: boolean
  user_agent: string | null
  ip: string | null
  username: string
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    remember: row.remember,
    userAgent: row.user_agent,
    ip: row.ip,
  }
}

const USER_AGENT_MAX_LENGTH = 512

export interface NewSession {
  userId: number
  /** The password version the sign-in verified (users.password_version). */
  passwordVersion: number
  remember: boolean
  userAgent?: string | undefined
  ip?: string | undefined
  /** A session this sign-in replaces (the one whose cookie came with it): ended in the same transaction. */
  replacesSessionId?: string | undefined
}

export type SessionCreation =
  | {
      ok: true
      token: string
      session: Session
      /** Sessions of the account ended because it held more than maxSessionsPerAccount. */
      evictedSessionIds: string[]
    }
  /** The password changed after the sign-in verified it: no session. */
  | { ok: false; code: 'password_changed' }

/**
 * Creates a session, in one transaction that:
 * - locks the account's row and goes on only while its password is the version the
 *   sign-in verified (issue 9, finding 4): a password change either committed before,
 *   and this finds another version, or waits for this commit and then ends this
 *   session with the others;
 * - ends the session this one replaces (fixation; docs/contract.md "Session cookie");
 * - ends the least recently used sessions beyond maxSessionsPerAccount, so a flood of
 *   sign-ins cannot grow the table without bound (SESSIONS_PER_ACCOUNT).
 * Separate statements, not one: under READ COMMITTED each later statement sees what
 * a sign-in that held the lock before committed, so the cap holds exactly.
 */
export async function createSession(
  db: Database,
  input: NewSession,
  { now, policy }: { now: Date; policy: SessionPolicy },
): Promise<SessionCreation> {
  const { id, secret, token } = generateSessionToken()
  const session: Session = {
    id,
    userId: input.userId,
    createdAt: now,
    lastSeenAt: now,
    expiresAt: absoluteExpiry(now, input.remember, policy),
    remember: input.remember,
    userAgent: input.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
    ip: input.ip ?? null,
  }
  return db.transaction(async (tx) => {
    const current = await tx.query(
      'SELECT 1 FROM users WHERE id = $1 AND password_version = $2 FOR UPDATE',
      [input.userId, input.passwordVersion],
    )
    if (current.length === 0) return { ok: false, code: 'password_changed' } as const
    if (input.replacesSessionId !== undefined) {
      await tx.query('DELETE FROM sessions WHERE id = $1', [input.replacesSessionId])
    }
    await tx.query(
      `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip)
       VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8)`,
      [
        id,
        hashSessionSecret(secret),
        session.userId,
        now,
        session.expiresAt,
        session.remember,
        session.userAgent,
        session.ip,
      ],
    )
    const evicted = await tx.query<{ id: string }>(
      `DELETE FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE user_id = $1
          ORDER BY last_seen_at DESC, created_at DESC, id
         OFFSET $2)
       RETURNING id`,
      [input.userId, policy.maxSessionsPerAccount],
    )
    return { ok: true, token, session, evictedSessionIds: evicted.map((row) => row.id) } as const
  })
}

/**
 * Checks a cookie's token: one round trip (session joined to its user), or none
 * when the session is kept in `known` (the secret is checked all the same), and a
 * write only when last_seen_at has grown older than the touch interval. Anything
 * invalid, unknown or expired is null, never an error; an expired row is deleted.
 */
export async function validateSessionToken(
  db: Queryable,
  token: string,
  {
    now,
    policy,
    touch,
    known,
  }: {
    now: Date
    policy: SessionPolicy
    /** Defers the last_seen_at write to a batch (SessionTouches); without it, written here. */
    touch?: (sessionId: string, at: Date) => void
    known?: KnownSessions
  },
): Promise<SessionValidation | null> {
  const parsed = parseSessionToken(token)
  if (!parsed) return null
  const kept = known?.get(parsed.id)
  // A kept copy's last_seen_at may lag behind another instance's touches, never lead
  // them: if the copy says the session is alive, it is. If it says expired, ask the table.
  if (kept && !isSessionExpired(kept.session, now, policy)) {
    if (!sessionSecretMatches(parsed.secret, kept.secretHash)) return null
    await touchIfDue(db, kept.session, { now, policy, touch })
    return { session: { ...kept.session }, user: kept.user }
  }
  const generation = known?.generation() ?? 0
  const [row] = await db.query<SessionRow>(
    `SELECT s.id, s.secret_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
            s.remember, s.user_agent, s.ip, u.username
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1`,
    [parsed.id],
  )
  if (!row || !sessionSecretMatches(parsed.secret, row.secret_hash)) return null
  const session = toSession(row)
  if (isSessionExpired(session, now, policy)) {
    await invalidateSession(db, session.id)
    known?.delete(session.id)
    return null
  }
  await touchIfDue(db, session, { now, policy, touch })
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
  {
    now,
    policy,
    touch,
  }: {
    now: Date
    policy: SessionPolicy
    touch?: ((sessionId: string, at: Date) => void) | undefined
  },
): Promise<void> {
  if (!sessionNeedsTouch(session, now, policy)) return
  if (touch) {
    touch(session.id, now)
  } else {
    // The condition repeats the interval check so concurrent requests of one
    // session do not all write.
    await db.query(
      `UPDATE sessions SET last_seen_at = $2
        WHERE id = $1 AND last_seen_at <= $2::timestamptz - make_interval(secs => $3)`,
      [session.id, now, touchIntervalMs(policy) / 1000],
    )
  }
  session.lastSeenAt = now
}

export async function invalidateSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE id = $1', [sessionId])
}

/** Ends every session of a user, or every one but `exceptSessionId`; returns how many. */
export async function invalidateUserSessions(
  db: Queryable,
  userId: number,
  { exceptSessionId }: { exceptSessionId?: string } = {},
): Promise<number> {
  const rows = await db.query(
    'DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2 RETURNING id',
    [userId, exceptSessionId ?? null],
  )
  return rows.length
}

/**
 * Deletes at most `limit` sessions past either limit; the periodic purge calls it
 * so the table does not grow forever, in bounded steps that never lock it long.
 */
export async function deleteExpiredSessions(
  db: Queryable,
  { now, policy, limit }: { now: Date; policy: SessionPolicy; limit: number },
): Promise<number> {
  const idleCutoff = new Date(now.getTime() - policy.idleTimeoutSeconds * 1000)
  const rows = await db.query<{ id: string }>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE expires_at <= $1
       UNION
       SELECT id FROM sessions WHERE NOT remember AND last_seen_at <= $2
       LIMIT $3)
     RETURNING id`,
    [now, idleCutoff, limit],
  )
  return rows.length
}

/** The account's sessions that are still live, most recently seen first. */
export async function listUserSessions(
  db: Queryable,
  userId: number,
  { now, policy }: { now: Date; policy: SessionPolicy },
): Promise<Session[]> {
  const rows = await db.query<SessionRow>(
    `SELECT id, secret_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip, '' AS username
       FROM sessions WHERE user_id = $1
      ORDER BY last_seen_at DESC`,
    [userId],
  )
  return rows.map(toSession).filter((session) => !isSessionExpired(session, now, policy))
}

/**
 * Ends one session of a user, named by its public id. The user id is part of the
 * condition: an id of another account's session is never touched.
 */
export async function invalidateUserSession(
  db: Queryable,
  userId: number,
  sessionId: string,
): Promise<boolean> {
  const rows = await db.query('DELETE FROM sessions WHERE id = $1 AND user_id = $2 RETURNING id', [
    sessionId,
    userId,
  ])
  return rows.length > 0
}
