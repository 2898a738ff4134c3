import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import {
  registerAccount,
  type AccountPolicy,
  type RegistrationErrorCode,
} from '../../auth/accounts.js'
import { RegisterPage, type RegisterForm } from '../../views/register-page.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { startSession, type SessionSettings } from '../sign-in.js'

const registerBody = z.object({ username: usernameField, password: passwordField })

export interface RegisterRouteOptions {
  sessions: SessionSettings
  accounts: AccountPolicy
}

export async function registerRoutes(app: FastifyInstance, opts: RegisterRouteOptions) {
  const { db, now } = opts.sessions

  function showForm(
    request: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    form: Partial<RegisterForm>,
  ) {
    const ctx = pageContext(request, reply)
    const page: RegisterForm = {
      username: form.username ?? '',
      errors: form.errors ?? {},
      passwordMinLength: opts.accounts.passwordMinLength,
    }
    return sendPage(reply, statusCode, <RegisterPage ctx={ctx} form={page} />)
  }

  app.get('/register', (request, reply) => showForm(request, reply, 200, {}))

  async function handleRegister(request: FastifyRequest, reply: FastifyReply) {
    const body = registerBody.safeParse(request.body)
    if (!body.success) {
      return showForm(request, reply, 400, {
        username: typedText(request.body, 'username'),
        errors: { form: translatorFor(request)('error.form_invalid') },
      })
    }
    const result = await registerAccount(db, body.data, { policy: opts.accounts, now: now() })
    if (!result.ok) {
      const t = translatorFor(request)
      const message = (code: RegistrationErrorCode | undefined) =>
        code && t(`error.${code}`, { min: opts.accounts.passwordMinLength })
      return showForm(request, reply, result.errors.username === 'username_taken' ? 409 : 400, {
        username: body.data.username,
        errors: {
          username: message(result.errors.username),
          password: message(result.errors.password),
        },
      })
    }
    await startSession(request, reply, { userId: result.user.id, remember: false }, opts.sessions)
    return reply.redirect('/', 303)
  }

  app.post('/register', handleRegister)
  // The original lesson app's address, kept working (CONTRACT.md).
  app.post('/regist', handleRegister)
}
