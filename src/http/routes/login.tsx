import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { authenticate, type AccountPolicy } from '../../auth/accounts.js'
import { LoginPage, type LoginForm } from '../../views/login-page.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { safeNextPath } from '../next-path.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { endSession, startSession, type SessionSettings } from '../sign-in.js'

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
  sessions: SessionSettings
  accounts: AccountPolicy
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

  app.get('/login', (request, reply) => {
    const next = safeNextPath(loginQuery.parse(request.query).next)
    return showForm(request, reply, 200, { username: '', next, remember: false })
  })

  app.post('/login', async (request, reply) => {
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
    const user = await authenticate(
      opts.sessions.db,
      { username, password },
      { policy: opts.accounts },
    )
    if (!user) {
      // The same status, words and cost for an unknown name and a wrong password.
      return showForm(request, reply, 401, {
        username,
        next: safeNextPath(next),
        remember,
        error: translatorFor(request)('login.failed'),
      })
    }
    await startSession(request, reply, { userId: user.id, remember }, opts.sessions)
    return reply.redirect(safeNextPath(next) ?? '/', 303)
  })

  // Sign-out is a POST with the form token (a GET could be triggered by any page).
  app.post('/logout', async (request, reply) => {
    await endSession(request, reply, opts.sessions)
    return reply.redirect('/', 303)
  })
}
