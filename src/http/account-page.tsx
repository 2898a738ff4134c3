import type { FastifyReply, FastifyRequest } from 'fastify'
import type { AccountServices } from '../auth/accounts.js'
import { describeDevice } from '../auth/devices.js'
import { lastAuthEventAt, listRecentAuthEvents } from '../auth/events.js'
import type { PasswordAttemptContext } from '../auth/password-attempts.js'
import { isRecentAuthentication, lastAuthenticatedAt } from '../auth/reauthentication.js'
import { secondFactorStatus, type SecondFactorServices } from '../auth/second-factor.js'
import { passkeysOf } from '../auth/passkey-management.js'
import type { PasskeyServices } from '../auth/passkeys.js'
import type { Session, SessionUser } from '../auth/sessions.js'
import {
  AccountPage,
  type AccountForms,
  type PasskeyNotice,
  type SessionView,
} from '../views/account-page.js'
import type { DeviceCookieSettings } from './device-cookie.js'
import { pageContext, sendPage } from './pages.js'
import { takeNoticeViews } from './session-notices.js'
import type { PageSessions } from './session-changes.js'

// What the account page's routes share (routes/account.tsx, routes/account-changes.tsx):
// who is signed in, and the page itself, shown again with a form's errors.

export const ACCOUNT_PATH = '/account'
const SIGN_IN_FOR_ACCOUNT = `/login?next=${encodeURIComponent(ACCOUNT_PATH)}`

export interface AccountRouteOptions {
  pageSessions: PageSessions
  accounts: AccountServices
  passwordAttempts: PasswordAttemptContext
  devices: DeviceCookieSettings
  secondFactor: SecondFactorServices
  passkeys: PasskeyServices
}

export interface SignedIn {
  user: SessionUser
  session: Session
}

/** The signed-in user and session, or a 303 to sign in first (then back here). */
export function signedIn(request: FastifyRequest, reply: FastifyReply): SignedIn | null {
  if (request.user && request.session) return { user: request.user, session: request.session }
  void reply.header('cache-control', 'no-store').redirect(SIGN_IN_FOR_ACCOUNT, 303)
  return null
}

export async function showAccount(
  request: FastifyRequest,
  reply: FastifyReply,
  { user, session }: SignedIn,
  { accounts, pageSessions, passkeys }: AccountRouteOptions,
  {
    statusCode = 200,
    forms = {},
    notice,
  }: { statusCode?: number; forms?: AccountForms; notice?: PasskeyNotice | undefined } = {},
) {
  const { sessions, db } = accounts
  // The notices first: the list of events then holds what they told of.
  const notices = await takeNoticeViews(sessions, session)
  const [live, keys, events, lastLockedAt, twoFactor, authenticatedAt] = await Promise.all([
    sessions.list(user.id),
    passkeysOf(passkeys, user.id),
    listRecentAuthEvents(db, user.id),
    lastAuthEventAt(db, user.id, 'account_locked'),
    secondFactorStatus(db, user.id),
    lastAuthenticatedAt(db, { userId: user.id, sessionId: session.id }),
  ])
  const recent = isRecentAuthentication(
    authenticatedAt,
    pageSessions.now(),
    sessions.policy.reauthMaxAgeSeconds,
  )
  const views: SessionView[] = live.map((s) => ({
    id: s.id,
    current: s.id === session.id,
    device: describeDevice(s.userAgent),
    ip: s.ip,
    createdAt: s.createdAt,
    lastSeenAt: s.lastSeenAt,
    endsAt: sessions.endsAt(s),
    remember: s.remember,
  }))
  return sendPage(
    reply,
    statusCode,
    <AccountPage
      ctx={pageContext(request, reply)}
      username={user.username}
      notices={notices}
      sessions={views}
      passkeys={keys.map((k) => ({
        id: k.id,
        name: k.name,
        createdAt: k.createdAt,
        lastUsedAt: k.lastUsedAt,
      }))}
      notice={notice}
      events={events}
      lastLockedAt={lastLockedAt}
      policy={sessions.policy}
      passwordMinLength={accounts.policy.passwordMinLength}
      twoFactor={twoFactor}
      askCode={twoFactor.enabled && !recent}
      forms={forms}
    />,
  )
}
