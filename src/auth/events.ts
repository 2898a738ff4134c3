import type { Queryable } from '../db/database.js'

// The account's security log, so its owner can see what was done to the account:
// what happened, when, from where; never a password or a token.

export const AUTH_EVENT_KINDS = [
  'registered',
  'signed_in',
  'sign_in_failed',
  'signed_out',
  'session_revoked',
  'password_changed',
  'sessions_over_limit_ended',
  'password_check_failed',
  'account_locked',
  'two_factor_enabled',
  'two_factor_disabled',
  'two_factor_failed',
  'recovery_codes_renewed',
  'recovery_code_used',
  'reauthenticated',
  'passkey_added',
  'passkey_removed',
  'passkey_renamed',
  // No longer recorded: a passkey sign-in is one `signed_in`, as a password's is. An
  // earlier version recorded this after it; the kind stays so those rows still show.
  'passkey_signed_in',
  // A passkey's signature counter did not move forward: the sign-in was refused.
  'passkey_counter_regressed',
  // The operator's commands (logon users …) and what they lead to.
  'account_disabled',
  'account_enabled',
  'sign_in_refused',
  'sessions_ended_by_operator',
  'password_reset_issued',
  'password_reset',
] as const

export type AuthEventKind = (typeof AUTH_EVENT_KINDS)[number]

/**
 * The events every other session of the account is told of once, on its next page
 * (migration 0014): another sign-in, a wrong second-factor code.
 */
export const NOTICE_EVENT_KINDS = [
  'signed_in',
  'two_factor_failed',
] as const satisfies readonly AuthEventKind[]

export type NoticeEventKind = (typeof NOTICE_EVENT_KINDS)[number]

const isNoticeKind = (kind: AuthEventKind): kind is NoticeEventKind =>
  (NOTICE_EVENT_KINDS as readonly AuthEventKind[]).includes(kind)

/** An event a session is told of: what, when, from which address and browser. */
export interface SessionNotice {
  kind: NoticeEventKind
  occurredAt: Date
  ip: string | null
  userAgent: string | null
}

export interface AuthEvent {
  kind: AuthEventKind
  occurredAt: Date
  ip: string | null
  userAgent: string | null
}

export interface AuthEventOrigin {
  ip?: string | undefined
  userAgent?: string | undefined
}

export type AuthEventRecord = { userId: number; at: Date } & AuthEventOrigin &
  (
    | {
        kind: 'signed_in'
        /** The session the sign-in started: the one session not told of it. */
        sessionId: string
      }
    | {
        kind: 'two_factor_failed'
        /** The signed-in session that typed the code (a confirmation): not told of it. */
        sessionId?: string | undefined
      }
    | { kind: Exclude<AuthEventKind, 'signed_in' | 'two_factor_failed'>; sessionId?: undefined }
  )

const USER_AGENT_MAX_LENGTH = 512

/**
 * Records an event. One of NOTICE_EVENT_KINDS also marks, in the same statement,
 * every session of the account but the one it started as having it to be told of
 * (notice_event_id): so no caller can record a sign-in or a wrong second-factor
 * code and forget the notice. The sessions' trigger (migration 0014) has every
 * instance, this one included, drop its kept copies; the change feed brings that
 * back within FRESHNESS_MS, and a notice is no gate, so it may show one page later.
 * greatest(): of two events recorded at once, the later may mark the rows first.
 */
export async function recordAuthEvent(db: Queryable, event: AuthEventRecord): Promise<void> {
  const values = [
    event.userId,
    event.kind,
    event.at,
    event.ip ?? null,
    event.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
    event.sessionId ?? null,
  ]
  const insert = `INSERT INTO auth_events (user_id, kind, occurred_at, ip, user_agent, session_id)
       VALUES ($1, $2, $3, $4, $5, $6)`
  if (!isNoticeKind(event.kind)) {
    await db.query(insert, values)
    return
  }
  await db.query(
    // The rows locked in id order, as every write of several sessions (session-store.ts).
    `WITH event AS (${insert} RETURNING id),
          marked AS (SELECT id FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $6
                      ORDER BY id FOR UPDATE)
     UPDATE sessions s SET notice_event_id = greatest(s.notice_event_id, event.id)
       FROM event, marked
      WHERE s.id = marked.id`,
    values,
  )
}

export const RECENT_EVENTS_LIMIT = 20

export async function listRecentAuthEvents(db: Queryable, userId: number): Promise<AuthEvent[]> {
  const rows = await db.query<{
    kind: AuthEventKind
    occurred_at: Date
    ip: string | null
    user_agent: string | null
  }>(
    `SELECT kind, occurred_at, ip, user_agent FROM auth_events
      WHERE user_id = $1 ORDER BY id DESC LIMIT $2`,
    [userId, RECENT_EVENTS_LIMIT],
  )
  return rows.map((row) => ({
    kind: row.kind,
    occurredAt: row.occurred_at,
    ip: row.ip,
    userAgent: row.user_agent,
  }))
}

/** When the account last had an event of this kind (within the kept history), or null. */
export async function lastAuthEventAt(
  db: Queryable,
  userId: number,
  kind: AuthEventKind,
): Promise<Date | null> {
  const [row] = await db.query<{ at: Date | null }>(
    'SELECT max(occurred_at) AS at FROM auth_events WHERE user_id = $1 AND kind = $2',
    [userId, kind],
  )
  return row?.at ?? null
}

/** Deletes at most `limit` events older than `before`, for the periodic purge. */
export async function deleteAuthEventsBefore(
  db: Queryable,
  { before, limit }: { before: Date; limit: number },
): Promise<number> {
  const rows = await db.query<{ id: number }>(
    `DELETE FROM auth_events WHERE id IN (
       SELECT id FROM auth_events WHERE occurred_at < $1 LIMIT $2)
     RETURNING id`,
    [before, limit],
  )
  return rows.length
}
