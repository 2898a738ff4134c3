import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { SecondFactorServices } from '../../auth/second-factor.js'
import { findPendingSignIn, type PendingSignIn } from '../../auth/pending-sign-ins.js'
import { LoginPage } from '../../views/login-page.js'
import { LoginTwoFactorPage } from '../../views/login-two-factor-page.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { codeField } from '../form-fields.js'
import { finishSecondStep, type SignInFlowOptions } from '../sign-in-flows.js'
import { clearSignInStepCookie, signInStepToken } from '../sign-in-step-cookie.js'

// The second step of signing in (docs/contract.md): POST /login found the password
// right for an account with a second factor and answered 303 here, with a cookie
// for the pending step. A current code or an unused recovery code signs in.

export const LOGIN_TWO_FACTOR_PATH = '/login/two-factor'

const codeBody = z.object({ code: codeField })

export interface LoginTwoFactorRouteOptions extends SignInFlowOptions {
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
    const step = await finishSecondStep(request, reply, { pending, code: body.data.code }, opts)
    switch (step.kind) {
      case 'refused':
        return showCodeForm(request, reply, 429, step.message)
      case 'malformed':
        return showCodeForm(request, reply, 400, t('error.code_malformed'))
      case 'wrong':
        return showCodeForm(request, reply, 401, t('error.code_wrong'))
      case 'expired':
        return startOver(request, reply)
    }
    clearSignInStepCookie(reply, cookieSecure)
    return reply.redirect(pending.nextPath ?? '/', 303)
  })
}
