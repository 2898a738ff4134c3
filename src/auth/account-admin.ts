import type { SessionPolicy } from '../config.js'
import type { Database, Queryable } from '../db/database.js'
import { deleteDeviceTokensOfUser } from './device-tokens.js'
import { listRecentAuthEvents, recordAuthEvent, type AuthEvent } from './events.js'
import { deletePasswordResetsOf } from './password-resets.js'
import { listPasskeys } from './passkey-store.js'
import { dropPendingSignInsOf } from './pending-sign-ins.js'
import { expiredSessionCutoffs, isSessionExpired } from './session-lifetime.js'
import { deleteSessionsOfUser, findSessionsOfUser, type Session } from './session-store.js'
import { findTotpFactor, unusedRecoveryCodeCount } from './two-factor-store.js'
import { usernameKey } from './usernames.js'

// What an operator does to accounts (`logon users …`, src/cli/users.ts), as plain
// functions over the database: no instance's memory is at hand here, so sessions are
// ended by deleting their rows, and every instance hears of it through the change
// feed's triggers (migration 0007), within its freshness bound.

/** The database, and what decides which sessions are live (the server's limits). */
export interface AdminContext {
  db: Database
  policy: SessionPolicy
  now: Date
}

export interface AccountSummary {
  id: number
  username: string
  createdAt: Date
  disabledAt: Date | null
  /** Live sessions: within their idle and absolute limits. */
  sessions: number
  secondFactor: boolean
  passkeys: number
  lastSignInAt: Date | null
}

export interface AccountListing {
  accounts: AccountSummary[]
  /** The `after` of the next page, or null on the last. */
  next: string | null
}

/**
 * A page of accounts in the order of their folded names (usernames.ts), those whose
 * folded name contains `filter` folded the same way, after the folded name `after`.
 */
export async function listAccounts(
  { db, policy, now }: AdminContext,
  {
    filter,
    after,
    limit,
  }: { filter?: string | undefined; after?: string | undefined; limit: number },
): Promise<AccountListing> {
  const rows = await selectSummaries(
    db,
    { policy, now },
    `($5::text IS NULL OR strpos(u.username_key, $5) > 0)
     AND ($6::text IS NULL OR u.username_key > $6)
     ORDER BY u.username_key LIMIT $7`,
    [
      filter === undefined ? null : usernameKey(filter),
      after === undefined ? null : usernameKey(after),
      limit + 1,
    ],
  )
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  return {
    accounts: page.map(toSummary),
    next: rows.length > limit && last ? last.username_key : null,
  }
}

export interface AccountDetails {
  account: AccountSummary
  sessionList: Session[]
  totp: { enabled: boolean; recoveryCodesLeft: number }
  passkeyList: { name: string; createdAt: Date; lastUsedAt: Date | null }[]
  recentEvents: AuthEvent[]
}

/** The account the name folds to, with its sessions, factors and recent events; or null. */
export async function describeAccount(
  context: AdminContext,
  name: string,
): Promise<AccountDetails | null> {
  const { db, policy, now } = context
  const account = await findAccount(context, name)
  if (!account) return null
  const [sessions, factor, codes, passkeys, recentEvents] = await Promise.all([
    findSessionsOfUser(db, account.id),
    findTotpFactor(db, account.id),
    unusedRecoveryCodeCount(db, account.id),
    listPasskeys(db, account.id),
    listRecentAuthEvents(db, account.id),
  ])
  return {
    account,
    sessionList: sessions.filter((session) => !isSessionExpired(session, now, policy)),
    totp: { enabled: factor?.enabledAt != null, recoveryCodesLeft: codes },
    passkeyList: passkeys.map(({ name, createdAt, lastUsedAt }) => ({
      name,
      createdAt,
      lastUsedAt,
    })),
    recentEvents,
  }
}

/** The account the name folds to (Alice = alice), or null. */
export async function findAccount(
  { db, policy, now }: { db: Queryable; policy: SessionPolicy; now: Date },
  name: string,
): Promise<AccountSummary | null> {
  const [row] = await selectSummaries(db, { policy, now }, 'u.username_key = $5', [
    usernameKey(name),
  ])
  return row ? toSummary(row) : null
}

export type AccountChange =
  | { ok: true; account: AccountSummary; changed: boolean; sessionsEnded: number }
  | { ok: false; code: 'no_such_account' }

/**
 * Disables an account: in one transaction, under the account's row lock (which every
 * session insert takes, sessions.ts; NO KEY UPDATE, as there, so that an event being
 * recorded for the account, whose foreign key takes KEY SHARE, does not deadlock with
 * this over the session rows both lock), it is marked, every sign-in of it ends
 * (endEverySignIn) and its reset link goes, with an event. A sign-in in flight either
 * made its session before (and it ends here) or finds the mark and makes none.
 * Disabling a disabled account changes nothing.
 */
export async function disableAccount(
  { db, policy, now }: AdminContext,
  name: string,
): Promise<AccountChange> {
  return db.transaction(async (tx) => {
    const row = await markDisabled(tx, name, now)
    if (!row) return { ok: false, code: 'no_such_account' } as const
    const ended = await endEverySignIn(tx, row.id)
    // A link handed out before (perhaps the leak being answered) must not set a password
    // while the account is off; a reset after the disable makes a new one.
    await deletePasswordResetsOf(tx, row.id)
    if (!row.was_disabled) {
      await recordAuthEvent(tx, { userId: row.id, kind: 'account_disabled', at: now })
    }
    const account = (await findAccount({ db: tx, policy, now }, name))!
    return { ok: true, account, changed: !row.was_disabled, sessionsEnded: ended.length } as const
  })
}

/** Lets a disabled account sign in again (its sessions stay ended). */
export async function enableAccount(
  { db, policy, now }: AdminContext,
  name: string,
): Promise<AccountChange> {
  return db.transaction(async (tx) => {
    const row = await markDisabled(tx, name, null)
    if (!row) return { ok: false, code: 'no_such_account' } as const
    if (row.was_disabled) {
      await recordAuthEvent(tx, { userId: row.id, kind: 'account_enabled', at: now })
    }
    const account = (await findAccount({ db: tx, policy, now }, name))!
    return { ok: true, account, changed: row.was_disabled, sessionsEnded: 0 } as const
  })
}

/**
 * Ends every session of an account (a lost laptop, a leaked token), with its device
 * tokens and waiting second steps; the account can sign in again at once.
 */
export async function endSessionsOfAccount(
  { db, policy, now }: AdminContext,
  name: string,
): Promise<AccountChange> {
  return db.transaction(async (tx) => {
    // The row lock orders this after a session insert in flight (sessions.ts).
    const [row] = await tx.query<{ id: number }>(
      'SELECT id FROM users WHERE username_key = $1 FOR NO KEY UPDATE',
      [usernameKey(name)],
    )
    if (!row) return { ok: false, code: 'no_such_account' } as const
    const ended = await endEverySignIn(tx, row.id)
    await recordAuthEvent(tx, { userId: row.id, kind: 'sessions_ended_by_operator', at: now })
    const account = (await findAccount({ db: tx, policy, now }, name))!
    return { ok: true, account, changed: ended.length > 0, sessionsEnded: ended.length } as const
  })
}

/**
 * Ends what keeps the account signed in or about to be: its sessions, its device tokens
 * (which let a browser's sign-ins skip the account's limit) and the sign-ins waiting for
 * their second step. Returns the ids of the sessions ended.
 */
async function endEverySignIn(tx: Queryable, userId: number): Promise<string[]> {
  const ended = await deleteSessionsOfUser(tx, userId, undefined)
  await deleteDeviceTokensOfUser(tx, userId)
  await dropPendingSignInsOf(tx, userId)
  return ended
}

/**
 * Sets the account's mark (`at`, keeping an earlier one; or null to clear it) in one
 * statement, and says whether it was disabled before; undefined when there is no such
 * account.
 */
async function markDisabled(
  tx: Queryable,
  name: string,
  at: Date | null,
): Promise<{ id: number; was_disabled: boolean } | undefined> {
  const [row] = await tx.query<{ id: number; was_disabled: boolean }>(
    `UPDATE users u
        SET disabled_at = CASE WHEN $2::timestamptz IS NULL THEN NULL
                               ELSE coalesce(u.disabled_at, $2::timestamptz) END
       FROM (SELECT id, disabled_at IS NOT NULL AS was_disabled FROM users
              WHERE username_key = $1 FOR NO KEY UPDATE) before
      WHERE u.id = before.id
      RETURNING u.id, before.was_disabled`,
    [usernameKey(name), at],
  )
  return row
}

interface AccountRow {
  id: number
  username: string
  username_key: string
  created_at: Date
  disabled_at: Date | null
  sessions: number
  second_factor: boolean
  passkeys: number
  last_sign_in_at: Date | null
}

/**
 * The summaries of the accounts `where` picks; its parameters start at $5 ($1 to $4
 * are the cut-offs of live sessions, as the purge's, session-lifetime.ts).
 */
function selectSummaries(
  db: Queryable,
  { policy, now }: { policy: SessionPolicy; now: Date },
  where: string,
  params: unknown[],
): Promise<AccountRow[]> {
  const cut = expiredSessionCutoffs(now, policy)
  return db.query<AccountRow>(`SELECT ${SUMMARY_COLUMNS} FROM users u WHERE ${where}`, [
    cut.now,
    cut.idleSeenBefore,
    cut.createdBefore,
    cut.rememberCreatedBefore,
    ...params,
  ])
}

const SUMMARY_COLUMNS = `u.id, u.username, u.username_key, u.created_at, u.disabled_at,
  (SELECT count(*)::int FROM sessions s
    WHERE s.user_id = u.id AND s.expires_at > $1
      AND (CASE WHEN s.remember THEN s.created_at > $4
                ELSE s.last_seen_at > $2 AND s.created_at > $3 END)) AS sessions,
  EXISTS (SELECT 1 FROM totp_factors f WHERE f.user_id = u.id AND f.enabled_at IS NOT NULL)
    AS second_factor,
  (SELECT count(*)::int FROM passkeys p WHERE p.user_id = u.id) AS passkeys,
  (SELECT max(e.occurred_at) FROM auth_events e
    WHERE e.user_id = u.id AND e.kind = 'signed_in') AS last_sign_in_at`

function toSummary(row: AccountRow): AccountSummary {
  return {
    id: row.id,
    username: row.username,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
    sessions: row.sessions,
    secondFactor: row.second_factor,
    passkeys: row.passkeys,
    lastSignInAt: row.last_sign_in_at,
  }
}
