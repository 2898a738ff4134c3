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
  'passkey_added',
  'passkey_removed',
  'passkey_renamed',
  // Recorded after `signed_in` for a sign-in with a passkey: what looks for sign-ins
  // finds every one under `signed_in`.
  'passkey_signed_in',
  // A passkey's signature counter did not move forward: the sign-in was refused.
  'passkey_counter_regressed',
] as const

export type AuthEventKind = (typeof AUTH_EVENT_KINDS)[number]

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

const USER_AGENT_MAX_LENGTH = 512

export async function recordAuthEvent(
  db: Queryable,
  event: { userId: number; kind: AuthEventKind; at: Date } & AuthEventOrigin,
): Promise<void> {
  await db.query(
    `INSERT INTO auth_events (user_id, kind, occurred_at, ip, user_agent) VALUES ($1, $2, $3, $4, $5)`,
    [
      event.userId,
      event.kind,
      event.at,
      event.ip ?? null,
      event.userAgent?.slice(0, USER_AGENT_MAX_LENGTH) ?? null,
    ],
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
