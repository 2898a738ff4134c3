import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { PasswordAttemptContext } from '../../auth/password-attempts.js'
import { LoginPage, type LoginForm } from '../../views/login-page.js'
import { BlankForm } from '../blank-form.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { safeNextPath } from '../next-path.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { endSession } from '../session-changes.js'
import { setSignInStepCookie } from '../sign-in-step-cookie.js'
import { recordFailedSignIn, signInWithPassword, type SignInFlowOptions } from '../sign-in-flows.js'
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

export interface LoginRouteOptions extends SignInFlowOptions {
  passwordAttempts: PasswordAttemptContext
}

export async function loginRoutes(app: FastifyInstance, opts: LoginRouteOptions) {
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
    const signIn = await signInWithPassword(
      request,
      reply,
      { username, password, remember, nextPath: form.next },
      opts,
    )
    switch (signIn.kind) {
      case 'refused':
        return showForm(request, reply, 429, { ...form, error: signIn.message })
      case 'failed':
        // The same status, words and cost for an unknown name and a wrong password.
        return showForm(request, reply, 401, {
          ...form,
          error: translatorFor(request)('login.failed'),
        })
      case 'disabled':
        return showForm(request, reply, 403, {
          ...form,
          error: translatorFor(request)('login.disabled'),
        })
      case 'second_step':
        setSignInStepCookie(reply, signIn.token, opts.pageSessions.cookieSecure)
        return reply.header('cache-control', 'no-store').redirect(LOGIN_TWO_FACTOR_PATH, 303)
      case 'signed_in':
        return reply.redirect(form.next ?? '/', 303)
    }
  })

  // Sign-out is a POST with the form token (a GET could be triggered by any page).
  app.post('/logout', async (request, reply) => {
    await endSession(request, reply, opts.pageSessions)
    return reply.redirect('/', 303)
  })
}
