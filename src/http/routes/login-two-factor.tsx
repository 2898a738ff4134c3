import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { recordAuthEvent } from '../../auth/events.js'
import { findPendingSignIn, type PendingSignIn } from '../../auth/pending-sign-ins.js'
import { checkSecondFactor, type SecondFactorServices } from '../../auth/second-factor.js'
import { LoginPage } from '../../views/login-page.js'
import { LoginTwoFactorPage } from '../../views/login-two-factor-page.js'
import { renewDeviceCookie, type DeviceCookieSettings } from '../device-cookie.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import { secondFactorFailed } from '../second-factor-failures.js'
import { startSession, type PageSessions } from '../session-changes.js'
import { clearSignInStepCookie, signInStepToken } from '../sign-in-step-cookie.js'
import { refuseAttempt } from '../too-many-attempts.js'

// The second step of signing in (docs/contract.md): POST /login found the password
// right for an account with a second factor and answered 303 here, with a cookie
// for the pending step. A current code or an unused recovery code signs in.

export const LOGIN_TWO_FACTOR_PATH = '/login/two-factor'

const codeBody = z.object({ code: z.string().max(256) })

export interface LoginTwoFactorRouteOptions {
  pageSessions: PageSessions
  devices: DeviceCookieSettings
  secondFactor: SecondFactorServices
}

export async function loginTwoFactorRoutes(app: FastifyInstance, opts: LoginTwoFactorRouteOptions) {
  const { db, now, cookieSecure } = opts.pageSessions

  async function pendingOf(request: FastifyRequest): Promise<PendingSignIn | null> {
    const token = signInStepToken(request, cookieSecure)
    return token === undefined ? null : findPendingSignIn(db, token, now())
  }

  function showCodeForm(
    request: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    error?: string,
  ) {
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      statusCode,
      <LoginTwoFactorPage ctx={pageContext(request, reply)} error={error} />,
    )
  }

  /** The step is gone (expired, spent, never made): sign in again, from the start. */
  function startOver(request: FastifyRequest, reply: FastifyReply) {
    clearSignInStepCookie(reply, cookieSecure)
    reply.header('cache-control', 'no-store')
    const form = { username: '', next: undefined, remember: false }
    const error = translatorFor(request)('loginTwoFactor.expired')
    return sendPage(
      reply,
      401,
      <LoginPage ctx={pageContext(request, reply)} form={{ ...form, error }} />,
    )
  }

  app.get(LOGIN_TWO_FACTOR_PATH, async (request, reply) => {
    if (!(await pendingOf(request))) {
      clearSignInStepCookie(reply, cookieSecure)
      return reply.header('cache-control', 'no-store').redirect('/login', 303)
    }
    return showCodeForm(request, reply, 200)
  })

  app.post(LOGIN_TWO_FACTOR_PATH, async (request, reply) => {
    const pending = await pendingOf(request)
    if (!pending) return startOver(request, reply)
    const body = codeBody.safeParse(request.body)
    const t = translatorFor(request)
    if (!body.success) return showCodeForm(request, reply, 400, t('error.code_malformed'))
    const at = now()
    const { userId } = pending
    const check = await checkSecondFactor(opts.secondFactor, {
      userId,
      code: body.data.code,
      now: at,
    })
    if (!check.ok) {
      if (check.reason === 'refused') {
        return showCodeForm(
          request,
          reply,
          429,
          refuseAttempt(request, reply, check.retryAfterSeconds),
        )
      }
      if (check.reason === 'malformed') {
        return showCodeForm(request, reply, 400, t('error.code_malformed'))
      }
      await secondFactorFailed(request, db, { userId, at })
      return showCodeForm(request, reply, 401, t('error.code_wrong'))
    }
    // In the session's own transaction: the step is spent (a second request with the
    // same cookie makes no second session) and, with a recovery code, which is used
    // when the phone is gone (perhaps to whoever has it), the account's other
    // sessions end (ASVS 7.4.3); this new one stays.
    const recovery = check.method === 'recovery_code'
    const started = await startSession(
      request,
      reply,
      {
        user: { id: userId, passwordVersion: pending.passwordVersion },
        remember: pending.remember,
        secondStep: { pendingSignInId: pending.id, endOtherSessions: recovery },
      },
      opts.pageSessions,
    )
    // Spent already, or the password changed since the first step: sign in again.
    if (!started) return startOver(request, reply)
    clearSignInStepCookie(reply, cookieSecure)
    const origin = requestOrigin(request)
    if (recovery) await recordAuthEvent(db, { userId, kind: 'recovery_code_used', at, ...origin })
    await renewDeviceCookie(
      request,
      reply,
      { nameKey: pending.nameKey, user: { id: userId, passwordVersion: pending.passwordVersion } },
      { settings: opts.devices, now: at },
    )
    // Every other session of the account is told of it on its next page (events.ts).
    await recordAuthEvent(db, { userId, kind: 'signed_in', sessionId: started, at, ...origin })
    return reply.redirect(pending.nextPath ?? '/', 303)
  })
}
