import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { changePassword, deleteAccount, type AccountPolicy } from '../../auth/accounts.js'
import { describeDevice } from '../../auth/devices.js'
import { lastAuthEventAt, listRecentAuthEvents, recordAuthEvent } from '../../auth/events.js'
import { sessionEndsAt } from '../../auth/session-expiry.js'
import {
  invalidateUserSession,
  invalidateUserSessions,
  listUserSessions,
  type Session,
  type SessionUser,
} from '../../auth/sessions.js'
import type { HashLease } from '../../auth/hash-queue.js'
import { checkPasswordPolicy } from '../../auth/passwords.js'
import { attemptPasswordCheck, type PasswordAttemptContext } from '../../auth/password-attempts.js'
import { signInSubject, typedNameKeys } from '../../auth/sign-in-limits.js'
import { renewDeviceCookie, requestDeviceKey, type DeviceCookieSettings } from '../device-cookie.js'
import { refuseAttempt } from '../too-many-attempts.js'
import { AccountPage, type AccountForms, type SessionView } from '../../views/account-page.js'
import { HttpError } from '../errors.js'
import { passwordField } from '../form-fields.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { endSession, forgetEndedSessions, requestOrigin, type SessionSettings } from '../sign-in.js'

const ACCOUNT_PATH = '/account'
const SIGN_IN_FOR_ACCOUNT = `/login?next=${encodeURIComponent(ACCOUNT_PATH)}`

const revokeBody = z.union([
  z.object({ 'all-others': z.literal('1') }),
  z.object({ session: z.string().min(1).max(64) }),
])
const passwordChangeBody = z.object({
  current_password: passwordField,
  new_password: passwordField,
})
const deleteBody = z.object({ password: passwordField })

export interface AccountRouteOptions {
  sessions: SessionSettings
  accounts: AccountPolicy
  passwordAttempts: PasswordAttemptContext
  devices: DeviceCookieSettings
}

/** The signed-in user and session, or a 303 to sign in first (then back here). */
function signedIn(
  request: FastifyRequest,
  reply: FastifyReply,
): { user: SessionUser; session: Session } | null {
  if (request.user && request.session) return { user: request.user, session: request.session }
  void reply.header('cache-control', 'no-store').redirect(SIGN_IN_FOR_ACCOUNT, 303)
  return null
}

export async function accountRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const { db, policy, now } = opts.sessions

  async function showAccount(
    request: FastifyRequest,
    reply: FastifyReply,
    { user, session }: { user: SessionUser; session: Session },
    statusCode = 200,
    forms: AccountForms = {},
  ) {
    const [sessions, events, lastLockedAt] = await Promise.all([
      listUserSessions(db, user.id, { now: now(), policy }),
      listRecentAuthEvents(db, user.id),
      lastAuthEventAt(db, user.id, 'account_locked'),
    ])
    const views: SessionView[] = sessions.map((s) => ({
      id: s.id,
      current: s.id === session.id,
      device: describeDevice(s.userAgent),
      ip: s.ip,
      createdAt: s.createdAt,
      lastSeenAt: s.lastSeenAt,
      endsAt: sessionEndsAt(s, policy),
      remember: s.remember,
    }))
    return sendPage(
      reply,
      statusCode,
      <AccountPage
        ctx={pageContext(request, reply)}
        username={user.username}
        sessions={views}
        events={events}
        lastLockedAt={lastLockedAt}
        policy={policy}
        passwordMinLength={opts.accounts.passwordMinLength}
        forms={forms}
      />,
    )
  }

  app.get(ACCOUNT_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    return current ? showAccount(request, reply, current) : reply
  })

  app.post(`${ACCOUNT_PATH}/sessions/revoke`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = revokeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_REVOKE_FORM')
    // An id of another account's session matches no row of this user: nothing happens.
    // The current session is ended by signing out, not here.
    const revoked =
      'all-others' in body.data
        ? await invalidateUserSessions(db, current.user.id, { exceptSessionId: current.session.id })
        : body.data.session !== current.session.id &&
          (await invalidateUserSession(db, current.user.id, body.data.session))
    if (revoked) {
      forgetEndedSessions(opts.sessions, { userId: current.user.id })
      await recordAuthEvent(db, {
        userId: current.user.id,
        kind: 'session_revoked',
        at: now(),
        ...requestOrigin(request),
      })
    }
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })

  /**
   * A password check on this page counts as a sign-in attempt does (issue 9,
   * finding 2): the same limits for the account and the address, a fair place in the
   * line of hashes, and a security event when it fails. Refused: 429 and the page.
   */
  async function checkedOnAccountPage<T extends { ok: boolean; stale?: boolean }>(
    request: FastifyRequest,
    reply: FastifyReply,
    current: { user: SessionUser; session: Session },
    check: (lease: HashLease) => Promise<T>,
  ): Promise<T | { refused: string }> {
    const at = now()
    const name = typedNameKeys(current.user.username)
    const deviceKey = await requestDeviceKey(request, name, { settings: opts.devices, now: at })
    const subject = signInSubject(current.user.username, request.ip, deviceKey)
    const attempt = await attemptPasswordCheck(opts.passwordAttempts, subject, check)
    if (attempt.status === 'refused') {
      return { refused: refuseAttempt(request, reply, attempt.retryAfterSeconds) }
    }
    if (!attempt.result.ok && !attempt.result.stale) {
      await recordAuthEvent(db, {
        userId: current.user.id,
        kind: 'password_check_failed',
        at,
        ...requestOrigin(request),
      })
      if (attempt.accountWaitUntil) {
        await recordAuthEvent(db, {
          userId: current.user.id,
          kind: 'account_locked',
          at,
          ...requestOrigin(request),
        })
      }
    }
    return attempt.result
  }

  app.post(`${ACCOUNT_PATH}/password`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = passwordChangeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSWORD_FORM')
    // A weak new password is refused before the current one is looked at: it is no
    // guess, and must not count as one (review of issue 9).
    const policy = checkPasswordPolicy(body.data.new_password, opts.accounts.passwordMinLength)
    if (!policy.ok) {
      const t = translatorFor(request)
      return showAccount(request, reply, current, 400, {
        passwordErrors: {
          new_password: t(`error.${policy.code}`, { min: opts.accounts.passwordMinLength }),
        },
      })
    }
    const result = await checkedOnAccountPage(request, reply, current, (lease) =>
      changePassword(
        db,
        { userId: current.user.id, currentSessionId: current.session.id },
        { currentPassword: body.data.current_password, newPassword: body.data.new_password },
        { policy: opts.accounts, now: now(), origin: requestOrigin(request), lease },
      ),
    )
    if ('refused' in result) {
      return showAccount(request, reply, current, 429, {
        passwordErrors: { current_password: result.refused },
      })
    }
    if (!result.ok) {
      const t = translatorFor(request)
      const message = t(`error.${result.code}`, { min: opts.accounts.passwordMinLength })
      return showAccount(request, reply, current, result.code === 'password_wrong' ? 401 : 400, {
        passwordErrors: { [result.field]: message },
      })
    }
    // The account's other sessions are gone from the table, and its device tokens:
    // this browser, which just proved the password, gets a new one.
    forgetEndedSessions(opts.sessions, { userId: current.user.id })
    await renewDeviceCookie(
      request,
      reply,
      {
        nameKey: typedNameKeys(current.user.username).nameKey,
        user: { id: current.user.id, passwordVersion: result.passwordVersion },
      },
      { settings: opts.devices, now: now() },
    )
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })

  app.post(`${ACCOUNT_PATH}/delete`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = deleteBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_DELETE_FORM')
    const result = await checkedOnAccountPage(request, reply, current, (lease) =>
      deleteAccount(db, { userId: current.user.id, password: body.data.password }, { lease }),
    )
    if ('refused' in result) {
      return showAccount(request, reply, current, 429, { deleteError: result.refused })
    }
    if (!result.ok) {
      return showAccount(request, reply, current, 401, {
        deleteError: translatorFor(request)('error.password_wrong'),
      })
    }
    forgetEndedSessions(opts.sessions, { userId: current.user.id })
    opts.sessions.caches?.memberPages.clear()
    // The account's rows are gone with it; the log keeps that it happened.
    request.log.info({ userId: current.user.id }, 'account deleted')
    request.session = null // its row went with the account
    await endSession(request, reply, opts.sessions)
    return reply.redirect('/', 303)
  })
}
