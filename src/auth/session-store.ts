import type { SessionPolicy } from '../config.js'
import type { Queryable } from '../db/database.js'
import { NOTICE_EVENT_KINDS, type SessionNotice } from './events.js'
import { expiredSessionCutoffs, touchIntervalMs } from './session-lifetime.js'

// The sessions table, statement by statement. Only the session service (sessions.ts,
// session-validation.ts) and the purge call these: a session ended here and not there
// would stay honoured by the memory of the instance that ended it.

export interface Session {
  id: string
  userId: number
  createdAt: Date
  lastSeenAt: Date
  /** The absolute limit, fixed at sign-in. */
  expiresAt: Date
  remember: boolean
  userAgent: string | null
  ip: string | null
  /** The newest auth event this session is to be told of (migration 0014). */
  noticeEventId: number
  /** The newest auth event it has been told of: a notice waits while noticeEventId is greater. */
  noticesSeenEventId: number
}

export interface SessionRow {
  id: string
  secret_hash: Uint8Array
  user_id: number
  created_at: Date
  last_seen_at: Date
  expires_at: Date
  remember: boolean
  user_agent: string | null
  ip: string | null
  notice_event_id: number
  notices_seen_event_id: number
}

export function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    userId: row.user_id,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
    remember: row.remember,
    userAgent: row.user_agent,
    ip: row.ip,
    noticeEventId: row.notice_event_id,
    noticesSeenEventId: row.notices_seen_event_id,
  }
}

const SESSION_COLUMNS = `s.id, s.secret_hash, s.user_id, s.created_at, s.last_seen_at, s.expires_at,
  s.remember, s.user_agent, s.ip, s.notice_event_id, s.notices_seen_event_id`

/**
 * Inserts the session as having been told of every event of its account so far (the
 * newest by the index on (user_id, id)); returns that event id. The session's own
 * notice ids are ignored.
 */
export async function insertSession(
  tx: Queryable,
  session: Session,
  secretHash: Uint8Array,
): Promise<number> {
  const [row] = await tx.query<{ notices_seen_event_id: number }>(
    `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at, remember,
                           user_agent, ip, notice_event_id, notices_seen_event_id)
     VALUES ($1, $2, $3, $4, $4, $5, $6, $7, $8, 0,
             (SELECT coalesce(max(id), 0) FROM auth_events WHERE user_id = $3))
     RETURNING notices_seen_event_id`,
    [
      session.id,
      secretHash,
      session.userId,
      session.createdAt,
      session.expiresAt,
      session.remember,
      session.userAgent,
      session.ip,
    ],
  )
  return row!.notices_seen_event_id
}

/** The session with the name of its user, in one round trip. */
export async function findSessionWithUser(
  db: Queryable,
  sessionId: string,
): Promise<(SessionRow & { username: string }) | undefined> {
  const [row] = await db.query<SessionRow & { username: string }>(
    `SELECT ${SESSION_COLUMNS}, u.username
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE s.id = $1`,
    [sessionId],
  )
  return row
}

/** The account's sessions, most recently seen first (ended ones included). */
export async function findSessionsOfUser(db: Queryable, userId: number): Promise<Session[]> {
  const rows = await db.query<SessionRow>(
    `SELECT ${SESSION_COLUMNS} FROM sessions s WHERE s.user_id = $1 ORDER BY s.last_seen_at DESC`,
    [userId],
  )
  return rows.map(toSession)
}

// Every statement that writes several sessions at once locks its rows in id order
// first (ORDER BY id FOR UPDATE): two such statements on one account (a sign-in that
// ends the others, a notice marking them, a batch of touches) then wait for each
// other instead of each holding a row the other needs (PostgreSQL's deadlock, which
// aborts one of them with an error).

/** Deletes sessions by id, of one user when `userId` is given; returns the ids deleted. */
export async function deleteSessions(
  db: Queryable,
  sessionIds: readonly string[],
  { userId }: { userId?: number } = {},
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE id = ANY($1::text[]) AND ($2::bigint IS NULL OR user_id = $2)
        ORDER BY id FOR UPDATE)
     RETURNING id`,
    [sessionIds, userId ?? null],
  )
  return rows.map((row) => row.id)
}

/** Deletes every session of a user but `exceptSessionId`; returns the ids deleted. */
export async function deleteSessionsOfUser(
  db: Queryable,
  userId: number,
  exceptSessionId: string | undefined,
): Promise<string[]> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2
        ORDER BY id FOR UPDATE)
     RETURNING id`,
    [userId, exceptSessionId ?? null],
  )
  return rows.map((row) => row.id)
}

/**
 * Ends the least recently used sessions of a user beyond `keep`. A separate statement
 * from the insert, under the account's row lock: under READ COMMITTED it sees what a
 * sign-in that held the lock before committed, so the cap holds exactly.
 */
export async function deleteSessionsBeyond(
  tx: Queryable,
  userId: number,
  keep: number,
): Promise<string[]> {
  const rows = await tx.query<{ id: string }>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions WHERE id IN (
         SELECT id FROM sessions WHERE user_id = $1
          ORDER BY last_seen_at DESC, created_at DESC, id
         OFFSET $2)
        ORDER BY id FOR UPDATE)
     RETURNING id`,
    [userId, keep],
  )
  return rows.map((row) => row.id)
}

/**
 * Moves last_seen_at now, unless it moved within the touch interval: concurrent
 * requests of one session do not all write.
 */
export async function writeSessionTouch(
  db: Queryable,
  sessionId: string,
  { now, policy }: { now: Date; policy: SessionPolicy },
): Promise<void> {
  await db.query(
    `UPDATE sessions SET last_seen_at = $2
      WHERE id = $1 AND last_seen_at <= $2::timestamptz - make_interval(secs => $3)`,
    [sessionId, now, touchIntervalMs(policy) / 1000],
  )
}

/**
 * Deletes at most `limit` sessions that have ended (expiredSessionCutoffs: the same
 * rule as validation's, lowered limits included); the periodic purge calls it so the
 * table does not grow forever, in bounded steps that never lock it long. What memory
 * keeps of them needs no dropping: validation finds a kept copy expired by itself.
 * One scan: last_seen_at has no index, on purpose (migration 0006), so the idle part
 * scans the table anyway.
 */
export async function deleteExpiredSessions(
  db: Queryable,
  { now, policy, limit }: { now: Date; policy: SessionPolicy; limit: number },
): Promise<number> {
  const cut = expiredSessionCutoffs(now, policy)
  const rows = await db.query<{ id: string }>(
    `DELETE FROM sessions WHERE id IN (
       SELECT id FROM sessions
        WHERE expires_at <= $1
           OR (NOT remember AND (last_seen_at <= $2 OR created_at <= $3))
           OR (remember AND created_at <= $4)
        LIMIT $5)
     RETURNING id`,
    [cut.now, cut.idleSeenBefore, cut.createdBefore, cut.rememberCreatedBefore, limit],
  )
  return rows.length
}

/** At most this many notices are shown at once, the newest; /account lists the rest. */
export const NOTICES_SHOWN_LIMIT = 5

/**
 * Spends the notices that waited for `session` as validation read it (up to its
 * noticeEventId) and returns them, newest first: events of NOTICE_EVENT_KINDS of its
 * account, never its own sign-in. One statement, a compare-and-set on
 * notices_seen_event_id: of two page views of one session at once, only one shows
 * them (the other gets none), so a notice is seen once. Events only up to the id the
 * read saw, each committed with its mark: one marked since stays waiting.
 */
export async function claimSessionNotices(
  db: Queryable,
  session: Session,
): Promise<SessionNotice[]> {
  const rows = await db.query<{
    kind: SessionNotice['kind']
    occurred_at: Date
    ip: string | null
    user_agent: string | null
  }>(
    `WITH claimed AS (
       UPDATE sessions SET notices_seen_event_id = $3
        WHERE id = $1 AND notices_seen_event_id = $2 AND $3 > $2
       RETURNING user_id)
     SELECT e.kind, e.occurred_at, e.ip, e.user_agent
       FROM auth_events e JOIN claimed c ON e.user_id = c.user_id
      WHERE e.id > $2 AND e.id <= $3 AND e.kind = ANY($4::text[])
        AND e.session_id IS DISTINCT FROM $1
      ORDER BY e.id DESC LIMIT $5`,
    [
      session.id,
      session.noticesSeenEventId,
      session.noticeEventId,
      NOTICE_EVENT_KINDS,
      NOTICES_SHOWN_LIMIT,
    ],
  )
  return rows.map((row) => ({
    kind: row.kind,
    occurredAt: row.occurred_at,
    ip: row.ip,
    userAgent: row.user_agent,
  }))
}
