import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { changePassword, deleteAccount, type AccountPolicy } from '../../auth/accounts.js'
import { describeDevice } from '../../auth/devices.js'
import { listRecentAuthEvents, recordAuthEvent } from '../../auth/events.js'
import { sessionEndsAt } from '../../auth/session-expiry.js'
import {
  invalidateUserSession,
  invalidateUserSessions,
  listUserSessions,
  type Session,
  type SessionUser,
} from '../../auth/sessions.js'
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
    const [sessions, events] = await Promise.all([
      listUserSessions(db, user.id, { now: now(), policy }),
      listRecentAuthEvents(db, user.id),
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

  app.post(`${ACCOUNT_PATH}/password`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = passwordChangeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSWORD_FORM')
    const result = await changePassword(
      db,
      { userId: current.user.id, currentSessionId: current.session.id },
      { currentPassword: body.data.current_password, newPassword: body.data.new_password },
      { policy: opts.accounts, now: now(), origin: requestOrigin(request) },
    )
    // The account's other sessions are gone from the table.
    if (result.ok) forgetEndedSessions(opts.sessions, { userId: current.user.id })
    if (!result.ok) {
      const t = translatorFor(request)
      const message = t(`error.${result.code}`, { min: opts.accounts.passwordMinLength })
      return showAccount(request, reply, current, result.code === 'password_wrong' ? 401 : 400, {
        passwordErrors: { [result.field]: message },
      })
    }
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })

  app.post(`${ACCOUNT_PATH}/delete`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = deleteBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_DELETE_FORM')
    const result = await deleteAccount(db, current.user.id, body.data.password)
    if (result.ok) forgetEndedSessions(opts.sessions, { userId: current.user.id })
    if (!result.ok) {
      return showAccount(request, reply, current, 401, {
        deleteError: translatorFor(request)('error.password_wrong'),
      })
    }
    opts.sessions.caches?.memberPages.clear()
    // The account's rows are gone with it; the log keeps that it happened.
    request.log.info({ userId: current.user.id }, 'account deleted')
    request.session = null // its row went with the account
    await endSession(request, reply, opts.sessions)
    return reply.redirect('/', 303)
  })
}
