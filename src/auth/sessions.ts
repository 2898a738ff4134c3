import type { SessionPolicy } from '../config.js'
import type { Database, Transaction } from '../db/database.js'
import { recordAuthEvent } from './events.js'
import { spendPendingSignIn } from './pending-sign-ins.js'
import { absoluteExpiry, isSessionExpired, sessionEndsAt } from './session-lifetime.js'
import type { SessionNotice } from './events.js'
import {
  claimSessionNotices,
  deleteSessions,
  deleteSessionsBeyond,
  deleteSessionsOfUser,
  findSessionsOfUser,
  insertSession,
  type Session,
} from './session-store.js'
import { SessionTouches } from './session-touches.js'
import {
  validateSessionToken,
  type KnownSessions,
  type SessionUser,
  type SessionValidation,
} from './session-validation.js'
import { generateSessionToken, hashSessionSecret } from './tokens.js'

export type { Session } from './session-store.js'
export type {
  KnownSession,
  KnownSessions,
  SessionUser,
  SessionValidation,
} from './session-validation.js'

// The session service: the one way the app makes, reads and ends sessions. Every verb
// that ends sessions drops them from this instance's memory (`known`) itself, after the
// rows are gone and before it resolves, so no caller can end a session that this
// instance goes on honouring; other instances hear through the change feed.

export interface NewSession {
  userId: number
  /** The password version the sign-in verified (users.password_version). */
  passwordVersion: number
  remember: boolean
  userAgent?: string | undefined
  ip?: string | undefined
  /** The session this sign-in replaces (its cookie came with it): ended in the same transaction. */
  replacesSessionId?: string | undefined
  /**
   * The sign-in gave a passkey (a second factor in itself): without it or
   * `secondStep`, an account whose factor is on gets no session, even when it was
   * turned on between the password check and this insert.
   */
  secondFactorGiven?: boolean | undefined
  /**
   * The second step of a sign-in whose code was right: its pending row is spent in
   * this transaction (no row, no session: two requests with one step make one), and
   * with a recovery code the account's other sessions end in it too.
   */
  secondStep?: { pendingSignInId: string; endOtherSessions: boolean } | undefined
}

export type SessionCreation =
  | {
      ok: true
      token: string
      session: Session
      /** Who it signs in (read under the account's lock, as the session is made). */
      user: SessionUser
      evictedSessionIds: string[]
    }
  /** The password changed after the sign-in verified it: no session. */
  | { ok: false; code: 'password_changed' }
  /** The second factor was turned on after the sign-in checked it was off. */
  | { ok: false; code: 'second_factor_required' }
  /** The second step was spent already, or expired. */
  | { ok: false; code: 'second_step_spent' }
  /** An operator disabled the account (`logon users disable`), perhaps since the password check. */
  | { ok: false; code: 'account_disabled' }

export interface Sessions {
  readonly policy: SessionPolicy
  /** Given `tx`, inside that transaction (registration makes the account and its first session in one). */
  create(input: NewSession, options?: { tx?: Transaction }): Promise<SessionCreation>
  /** The session and user a cookie's token names, or null; notes the use (last_seen_at). */
  validate(token: string): Promise<SessionValidation | null>
  /**
   * Ends one of the user's sessions (sign-out, revocation); an id of another account's
   * session is never touched, so a route cannot end someone else's by mistake.
   */
  endOne(userId: number, sessionId: string): Promise<boolean>
  /**
   * Ends every session of a user, or all but `except`; returns how many. Given `tx`,
   * inside that transaction, and memory drops them once it commits.
   */
  endAll(userId: number, options?: { except?: string; tx?: Transaction }): Promise<number>
  /**
   * What this session is to be told of (another sign-in, a wrong second-factor code),
   * newest first, each shown once: spent by this call. No query when nothing waits,
   * the common case, as the validated session says.
   */
  takeNotices(session: Session): Promise<SessionNotice[]>
  /** The account's live sessions, most recently seen first. */
  list(userId: number): Promise<Session[]>
  endsAt(session: Session): Date
  /** Writes pending touches (at shutdown). */
  close(): Promise<void>
}

export interface SessionDependencies {
  db: Database
  policy: SessionPolicy
  clock: () => Date
  /** Validated sessions kept in memory (src/cache/); none when caching is off. */
  known?: KnownSessions | undefined
  /** Batch last_seen_at writes (the app's default); without, each is written inline. */
  touches?: SessionTouches | undefined
}

const USER_AGENT_MAX_LENGTH = 512

export function createSessions({
  db,
  policy,
  clock,
  known,
  touches,
}: SessionDependencies): Sessions {
  const forget = (ids: readonly string[]) => ids.forEach((id) => known?.delete(id))
  const forgetUser = (userId: number) => known?.deleteWhere((kept) => kept.user.id === userId)

  return {
    policy,

    /**
     * In one transaction that locks the account's row and goes on only while its
     * password is the version the sign-in verified (a password change either committed
     * before, and this finds another version, or waits for this commit and then ends
     * this session with the others); ends the session this one replaces (fixation);
     * ends the least recently used beyond SESSIONS_PER_ACCOUNT, with an event.
     */
    async create(input, { tx: outer } = {}) {
      const now = clock()
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
        noticeEventId: 0,
        noticesSeenEventId: 0,
      }
      const createIn = async (tx: Transaction): Promise<SessionCreation> => {
        // NO KEY UPDATE: it waits for a password change (an UPDATE of the row) and
        // makes one wait, but not a row that only references the account (an event's
        // foreign key takes KEY SHARE), which would wait on this while holding
        // session rows this transaction is about to lock: a deadlock.
        // Whether the factor is on comes in the same round trip, read under the lock, as
        // does whether the account is disabled: a disable waits for this lock, then ends
        // the session made here with the others.
        const [current] = await tx.query<{
          username: string
          factor_on: boolean
          disabled: boolean
        }>(
          `SELECT username, disabled_at IS NOT NULL AS disabled,
                  EXISTS (SELECT 1 FROM totp_factors
                           WHERE user_id = $1 AND enabled_at IS NOT NULL) AS factor_on
             FROM users WHERE id = $1 AND password_version = $2 FOR NO KEY UPDATE`,
          [input.userId, input.passwordVersion],
        )
        if (!current) return { ok: false, code: 'password_changed' } as const
        if (current.disabled) return { ok: false, code: 'account_disabled' } as const
        const step = input.secondStep
        if (
          step &&
          !(await spendPendingSignIn(tx, { id: step.pendingSignInId, userId: input.userId, now }))
        ) {
          return { ok: false, code: 'second_step_spent' } as const
        }
        if (current.factor_on && !input.secondFactorGiven && !step) {
          return { ok: false, code: 'second_factor_required' } as const
        }
        const replaced = input.replacesSessionId
        if (replaced !== undefined) await deleteSessions(tx, [replaced])
        // Told of nothing from before it: a notice is of what happened while it lived.
        session.noticesSeenEventId = await insertSession(tx, session, hashSessionSecret(secret))
        if (step?.endOtherSessions) {
          await deleteSessionsOfUser(tx, input.userId, session.id)
          tx.afterCommit(() => forgetUser(input.userId))
        }
        const evicted = await deleteSessionsBeyond(tx, input.userId, policy.maxSessionsPerAccount)
        if (evicted.length > 0) {
          const origin = { ip: input.ip, userAgent: input.userAgent }
          await recordAuthEvent(tx, {
            userId: input.userId,
            kind: 'sessions_over_limit_ended',
            at: now,
            ...origin,
          })
        }
        tx.afterCommit(() => forget(replaced === undefined ? evicted : [replaced, ...evicted]))
        const user = { id: input.userId, username: current.username }
        return { ok: true, token, session, user, evictedSessionIds: evicted } as const
      }
      return outer ? createIn(outer) : db.transaction(createIn)
    },

    validate: (token) =>
      validateSessionToken(db, token, { now: clock(), policy, touch: touches?.touch, known }),

    async endOne(userId, sessionId) {
      const ended = await deleteSessions(db, [sessionId], { userId })
      forget(ended)
      return ended.length > 0
    },

    async endAll(userId, { except, tx } = {}) {
      const ended = await deleteSessionsOfUser(tx ?? db, userId, except)
      if (tx) tx.afterCommit(() => forgetUser(userId))
      else forgetUser(userId)
      return ended.length
    },

    async takeNotices(session) {
      if (session.noticeEventId <= session.noticesSeenEventId) return []
      const notices = await claimSessionNotices(db, session)
      // Spent here or by another page view: either way the kept copy is out of date.
      forget([session.id])
      return notices
    },

    async list(userId) {
      const now = clock()
      const sessions = await findSessionsOfUser(db, userId)
      return sessions.filter((session) => !isSessionExpired(session, now, policy))
    },

    endsAt: (session) => sessionEndsAt(session, policy),

    close: async () => touches?.close(),
  }
}
