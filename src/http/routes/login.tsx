import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { verifyCredentials, type AccountServices } from '../../auth/accounts.js'
import { recordAuthEvent } from '../../auth/events.js'
import { attemptPasswordCheck, type PasswordAttemptContext } from '../../auth/password-attempts.js'
import { startPendingSignIn } from '../../auth/pending-sign-ins.js'
import { isSecondFactorOn } from '../../auth/second-factor.js'
import { signInSubject, typedNameKeys } from '../../auth/sign-in-limits.js'
import { LoginPage, type LoginForm } from '../../views/login-page.js'
import { BlankForm } from '../blank-form.js'
import { renewDeviceCookie, requestDeviceKey, type DeviceCookieSettings } from '../device-cookie.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { safeNextPath } from '../next-path.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import { endSession, startSession, type PageSessions } from '../session-changes.js'
import { setSignInStepCookie } from '../sign-in-step-cookie.js'
import { refuseAttempt } from '../too-many-attempts.js'
import { LOGIN_TWO_FACTOR_PATH } from './login-two-factor.js'

const loginQuery = z.object({ next: z.string().optional() }).catch({})

const loginBody = z.object({
  username: usernameField,
  password: passwordField,
  // A checkbox sends "on" when ticked and nothing otherwise; other values mean no.
  remember: z
    .string()
    .max(16)
    .optional()
    .transform((value) => value === 'on'),
  next: z.string().max(2048).optional(),
})

export interface LoginRouteOptions {
  pageSessions: PageSessions
  accounts: AccountServices
  passwordAttempts: PasswordAttemptContext
  devices: DeviceCookieSettings
}

export async function loginRoutes(app: FastifyInstance, opts: LoginRouteOptions) {
  const { db, now } = opts.pageSessions

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    form: LoginForm,
  ) {
    return sendPage(reply, statusCode, <LoginPage ctx={pageContext(request, reply)} form={form} />)
  }

  const blankForm = new BlankForm((ctx) => (
    <LoginPage ctx={ctx} form={{ username: '', next: undefined, remember: false }} />
  ))

  app.get('/login', (request, reply) => {
    const next = safeNextPath(loginQuery.parse(request.query).next)
    if (next === undefined) return blankForm.send(request, reply)
    return showForm(request, reply, 200, { username: '', next, remember: false })
  })

  // A wrong password for an existing account goes to that account's security log
  // once the answer has left: written before it, it would make such answers slower
  // than those for unknown names, and so tell which names exist. So does the start
  // of a wait on the account counter, which the account page reports.
  const failedSignIns = new WeakMap<
    FastifyRequest,
    { userId: number; at: Date; accountWaitStarted: boolean }
  >()
  async function recordFailedSignIn(request: FastifyRequest) {
    const failed = failedSignIns.get(request)
    if (!failed) return
    const event = { userId: failed.userId, at: failed.at, ...requestOrigin(request) }
    await recordAuthEvent(db, { ...event, kind: 'sign_in_failed' })
    if (failed.accountWaitStarted) await recordAuthEvent(db, { ...event, kind: 'account_locked' })
  }

  app.post('/login', { onResponse: recordFailedSignIn }, async (request, reply) => {
    const body = loginBody.safeParse(request.body)
    if (!body.success) {
      return showForm(request, reply, 400, {
        username: typedText(request.body, 'username'),
        next: safeNextPath(typedText(request.body, 'next', 2048)),
        remember: typedText(request.body, 'remember') === 'on',
        error: translatorFor(request)('error.form_invalid'),
      })
    }
    const { username, password, remember, next } = body.data
    const form = { username, next: safeNextPath(next), remember }
    const at = now()
    const name = typedNameKeys(username)
    const device = { settings: opts.devices, now: at }
    const subject = signInSubject(
      username,
      request.ip,
      await requestDeviceKey(request, name, device),
    )
    // The name is looked up only once the attempt is let through: a refused attempt
    // gets the same answer, and costs no verification, whether the name exists or not.
    const attempt = await attemptPasswordCheck(opts.passwordAttempts, subject, async (lease) => {
      const result = await verifyCredentials(
        db,
        { username, password },
        { policy: opts.accounts.policy, lease },
      )
      if (!result.ok) return result
      // With a second factor, a right password only opens the second step: no session
      // yet, and no sign-in event until the code is right.
      if (await isSecondFactorOn(db, result.user.id)) {
        const step = await startPendingSignIn(db, {
          userId: result.user.id,
          passwordVersion: result.user.passwordVersion,
          nameKey: name.nameKey,
          remember,
          nextPath: form.next ?? null,
          now: at,
        })
        return { ...result, secondStep: step.token }
      }
      // Refused when the password changed since it was verified: an old password must
      // not win a session by racing its change.
      const sessionId = await startSession(
        request,
        reply,
        { user: result.user, remember },
        opts.pageSessions,
      )
      // The password was right when verified: a race lost to its change is no guess.
      if (sessionId === null) return { ok: false, reason: 'password_changed', stale: true } as const
      return { ...result, sessionId, secondStep: undefined }
    })
    if (attempt.status === 'refused') {
      const error = refuseAttempt(request, reply, attempt.retryAfterSeconds)
      return showForm(request, reply, 429, { ...form, error })
    }
    const { result } = attempt
    if (!result.ok) {
      if (result.reason === 'wrong_password') {
        failedSignIns.set(request, {
          userId: result.userId,
          at,
          accountWaitStarted: attempt.accountWaitUntil !== null,
        })
      }
      // The same status, words and cost for an unknown name and a wrong password.
      return showForm(request, reply, 401, {
        ...form,
        error: translatorFor(request)('login.failed'),
      })
    }
    if (result.secondStep !== undefined) {
      setSignInStepCookie(reply, result.secondStep, opts.pageSessions.cookieSecure)
      return reply.header('cache-control', 'no-store').redirect(LOGIN_TWO_FACTOR_PATH, 303)
    }
    await renewDeviceCookie(request, reply, { nameKey: name.nameKey, user: result.user }, device)
    // Every other session of the account is told of it on its next page (events.ts).
    await recordAuthEvent(db, {
      userId: result.user.id,
      kind: 'signed_in',
      sessionId: result.sessionId,
      at,
      ...requestOrigin(request),
    })
    return reply.redirect(form.next ?? '/', 303)
  })

  // Sign-out is a POST with the form token (a GET could be triggered by any page).
  app.post('/logout', async (request, reply) => {
    await endSession(request, reply, opts.pageSessions)
    return reply.redirect('/', 303)
  })
}
