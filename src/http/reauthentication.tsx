import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { verifyCredentials } from '../auth/accounts.js'
import { recordAuthEvent } from '../auth/events.js'
import {
  isRecentAuthentication,
  lastAuthenticatedAt,
  markAuthenticated,
} from '../auth/reauthentication.js'
import { passkeysOf } from '../auth/passkey-management.js'
import { checkSecondFactor, isSecondFactorOn } from '../auth/second-factor.js'
import { ConfirmPage, type ConfirmErrors } from '../views/confirm-page.js'
import { checkPasswordOfSignedIn } from './account-password-check.js'
import { ACCOUNT_PATH, signedIn, type AccountRouteOptions, type SignedIn } from './account-page.js'
import { HttpError } from './errors.js'
import { codeField, passwordField } from './form-fields.js'
import { safeNextPath } from './next-path.js'
import { pageContext, sendPage, translatorFor } from './pages.js'
import { requestOrigin } from './request-origin.js'
import { refuseAttempt } from './too-many-attempts.js'
import { secondFactorFailed } from './second-factor-failures.js'

// Re-authentication ("sudo mode", docs/contract.md): a sensitive change made by a
// session whose last authentication is older than REAUTH_MAX_AGE first asks for the
// password, and a code when the second factor is on (src/auth/reauthentication.ts
// keeps the rule). Two ways in:
// - a page (GET /account/two-factor) answers 303 to /account/confirm?next=…, and the
//   confirmation sends the person back to it;
// - a form's change (POST) is answered in place with the confirmation form, which
//   posts to the same address with the change's own fields kept: once the password
//   is right the change goes on, in that request.
// An account with a passkey may confirm with it instead (routes/passkeys.tsx, JSON):
// the script then submits the same form without a password, and the session, recent
// now, goes on through the first line of requireRecentAuthentication (or, for
// /account/confirm, straight to `next`).

export const CONFIRM_PATH = '/account/confirm'

const confirmationFields = z.object({
  confirm_password: passwordField,
  confirm_code: codeField.optional(),
})

/** Whether the session proved who it is within REAUTH_MAX_AGE. */
export async function recentlyAuthenticated(
  { user, session }: SignedIn,
  opts: AccountRouteOptions,
): Promise<boolean> {
  const { db, sessions } = opts.accounts
  const at = await lastAuthenticatedAt(db, { userId: user.id, sessionId: session.id })
  return isRecentAuthentication(at, opts.pageSessions.now(), sessions.policy.reauthMaxAgeSeconds)
}

type Confirmation = { ok: true } | { ok: false; statusCode: number; errors: ConfirmErrors }

/**
 * Checks the password (with the sign-in limits) and, when the factor is on, a code
 * (with its own limit); notes the authentication on the session when both are right.
 */
export async function confirmIdentity(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: AccountRouteOptions,
  { password, code }: { password: string; code: string | undefined },
): Promise<Confirmation> {
  const { accounts } = opts
  const t = translatorFor(request)
  const passwordCheck = await checkPasswordOfSignedIn(request, reply, current, opts, (lease) =>
    verifyCredentials(
      accounts.db,
      { username: current.user.username, password },
      { policy: accounts.policy, lease },
    ),
  )
  if ('refused' in passwordCheck) {
    return { ok: false, statusCode: 429, errors: { password: passwordCheck.refused } }
  }
  if (!passwordCheck.ok) {
    return { ok: false, statusCode: 401, errors: { password: t('error.password_wrong') } }
  }
  const userId = current.user.id
  if (await isSecondFactorOn(accounts.db, userId)) {
    const checked = await secondFactorCode(request, reply, opts, { userId, typed: code ?? '' })
    if (!checked.ok) {
      return { ok: false, statusCode: checked.statusCode, errors: { code: checked.error } }
    }
  }
  await noteReauthentication(request, opts, { userId, sessionId: current.session.id })
  return { ok: true }
}

/**
 * Notes on the session that it has just proved who it is (a password and code, or a
 * passkey), and puts it in the account's events.
 */
export async function noteReauthentication(
  request: FastifyRequest,
  opts: AccountRouteOptions,
  { userId, sessionId }: { userId: number; sessionId: string },
): Promise<void> {
  const { db } = opts.accounts
  const at = opts.pageSessions.now()
  await markAuthenticated(db, { userId, sessionId, now: at })
  await recordAuthEvent(db, { userId, kind: 'reauthenticated', at, ...requestOrigin(request) })
}

/**
 * A code typed by a signed-in user for the account's factor (a confirmation, turning
 * it off, a change that asks for one): the answer to give when it is not right.
 */
export async function secondFactorCode(
  request: FastifyRequest,
  reply: FastifyReply,
  opts: AccountRouteOptions,
  { userId, typed }: { userId: number; typed: string },
): Promise<{ ok: true } | { ok: false; statusCode: number; error: string }> {
  const t = translatorFor(request)
  const at = opts.pageSessions.now()
  const check = await checkSecondFactor(opts.secondFactor, { userId, code: typed, now: at })
  if (check.ok) return { ok: true }
  if (check.reason === 'refused') {
    return {
      ok: false,
      statusCode: 429,
      error: refuseAttempt(request, reply, check.retryAfterSeconds),
    }
  }
  if (check.reason === 'malformed') {
    return { ok: false, statusCode: 400, error: t('error.code_malformed') }
  }
  await secondFactorFailed(request, opts.accounts.db, {
    userId,
    at,
    sessionId: request.session?.id,
  })
  return { ok: false, statusCode: 401, error: t('error.code_wrong') }
}

/**
 * A change that takes the password (a new one, deleting the account) re-authenticates
 * by itself; with the second factor on, a session not recently authenticated also
 * gives a code, checked first: a wrong code costs no password hash (the change checks
 * the password and makes itself in one verb, so the code cannot come after it).
 * The failure to show, or null to go on.
 */
export async function codeWhenAsked(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: AccountRouteOptions,
  typed: string | undefined,
): Promise<{ statusCode: number; error: string } | null> {
  const userId = current.user.id
  if (!(await isSecondFactorOn(opts.accounts.db, userId))) return null
  if (await recentlyAuthenticated(current, opts)) return null
  const checked = await secondFactorCode(request, reply, opts, { userId, typed: typed ?? '' })
  return checked.ok ? null : checked
}

/**
 * For a sensitive change (POST): true when the session is recently authenticated, or
 * when the request carries a confirmation that is right; otherwise the confirmation
 * form has been sent (401, or the failure's status) and the change must not go on.
 * `hidden` are the change's own fields to send again (never a secret).
 */
export async function requireRecentAuthentication(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: AccountRouteOptions,
  hidden: Record<string, string> = {},
): Promise<boolean> {
  if (await recentlyAuthenticated(current, opts)) return true
  // The route's own path, not the request's URL: however the router came to match this
  // route (a query, an encoded or otherwise normalised path), the form posts to it.
  const action = request.routeOptions.url!
  const fields = confirmationFields.safeParse(request.body)
  if (!fields.success) {
    await showConfirmation(request, reply, current, opts, { action, hidden, statusCode: 401 })
    return false
  }
  const confirmed = await confirmIdentity(request, reply, current, opts, {
    password: fields.data.confirm_password,
    code: fields.data.confirm_code,
  })
  if (confirmed.ok) return true
  await showConfirmation(request, reply, current, opts, { action, hidden, ...confirmed })
  return false
}

async function showConfirmation(
  request: FastifyRequest,
  reply: FastifyReply,
  { user }: SignedIn,
  opts: AccountRouteOptions,
  {
    action,
    hidden,
    statusCode,
    errors,
  }: { action: string; hidden: Record<string, string>; statusCode: number; errors?: ConfirmErrors },
) {
  const [withCode, passkeys] = await Promise.all([
    isSecondFactorOn(opts.accounts.db, user.id),
    passkeysOf(opts.passkeys, user.id),
  ])
  reply.header('cache-control', 'no-store')
  return sendPage(
    reply,
    statusCode,
    <ConfirmPage
      ctx={pageContext(request, reply)}
      action={action}
      hidden={hidden}
      withCode={withCode}
      withPasskey={passkeys.length > 0}
      errors={errors}
    />,
  )
}

/** Where a page that needs a recent authentication sends the person first. */
export function confirmFirst(reply: FastifyReply, next: string): FastifyReply {
  return reply
    .header('cache-control', 'no-store')
    .redirect(`${CONFIRM_PATH}?next=${encodeURIComponent(next)}`, 303)
}

const confirmQuery = z.object({ next: z.string().max(2048).optional() }).catch({})

/** GET and POST /account/confirm: the confirmation on its own, then back to `next`. */
export async function confirmationRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  app.get(CONFIRM_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const next = safeNextPath(confirmQuery.parse(request.query).next) ?? ACCOUNT_PATH
    return showConfirmation(request, reply, current, opts, {
      action: CONFIRM_PATH,
      hidden: { next },
      statusCode: 200,
    })
  })

  app.post(CONFIRM_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = confirmationFields
      .extend({
        confirm_password: passwordField.optional(),
        next: z.string().max(2048).optional(),
      })
      .safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_CONFIRM_FORM')
    const next = safeNextPath(body.data.next) ?? ACCOUNT_PATH
    const done = () => reply.header('cache-control', 'no-store').redirect(next, 303)
    // No password: the form sent by the script once a passkey confirmed the session
    // (routes/passkeys.tsx). It goes on only when that made the session recent.
    if (!body.data.confirm_password) {
      if (await recentlyAuthenticated(current, opts)) return done()
      if (body.data.confirm_password === undefined) {
        throw new HttpError(400, 'INVALID_CONFIRM_FORM')
      }
    }
    const confirmed = await confirmIdentity(request, reply, current, opts, {
      password: body.data.confirm_password,
      code: body.data.confirm_code,
    })
    if (!confirmed.ok) {
      return showConfirmation(request, reply, current, opts, {
        action: CONFIRM_PATH,
        hidden: { next },
        ...confirmed,
      })
    }
    return done()
  })
}
