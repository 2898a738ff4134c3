import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { RegistrationErrorCode } from '../../auth/registration.js'
import type { LimitsPolicy } from '../../config.js'
import {
  RegisterPage,
  RegistrationClosedPage,
  type RegisterForm,
} from '../../views/register-page.js'
import { BlankForm } from '../blank-form.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { registerThroughLimits, type SignInFlowOptions } from '../sign-in-flows.js'

const registerBody = z.object({ username: usernameField, password: passwordField })

export interface RegisterRouteOptions extends SignInFlowOptions {
  limits: LimitsPolicy
}

export async function registerRoutes(app: FastifyInstance, opts: RegisterRouteOptions) {
  if (!app.registrationOpen) {
    // REGISTRATION=closed: the addresses stay (a bookmark or an old client gets a
    // clear answer, not a 404) and nothing behind them runs, no hashing, no count.
    const closed = (request: FastifyRequest, reply: FastifyReply) =>
      sendPage(reply, 403, <RegistrationClosedPage ctx={pageContext(request, reply)} />)
    app.get('/register', closed)
    app.post('/register', closed)
    app.post('/regist', closed)
    return
  }

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
      passwordMinLength: opts.accounts.policy.passwordMinLength,
    }
    return sendPage(reply, statusCode, <RegisterPage ctx={ctx} form={page} />)
  }

  const blankForm = new BlankForm((ctx) => (
    <RegisterPage
      ctx={ctx}
      form={{ username: '', errors: {}, passwordMinLength: opts.accounts.policy.passwordMinLength }}
    />
  ))
  app.get('/register', (request, reply) => blankForm.send(request, reply))

  async function handleRegister(request: FastifyRequest, reply: FastifyReply) {
    const registration = await registerThroughLimits(
      request,
      reply,
      () => {
        const body = registerBody.safeParse(request.body)
        return body.success ? body.data : null
      },
      opts,
    )
    const typed = typedText(request.body, 'username')
    switch (registration.kind) {
      case 'refused':
        return showForm(request, reply, 429, {
          username: typed,
          errors: { form: registration.message },
        })
      case 'invalid':
        return showForm(request, reply, 400, {
          username: typed,
          errors: { form: translatorFor(request)('error.form_invalid') },
        })
      case 'rejected': {
        const t = translatorFor(request)
        const { errors } = registration
        const message = (code: RegistrationErrorCode | undefined) =>
          code && t(`error.${code}`, { min: opts.accounts.policy.passwordMinLength })
        return showForm(request, reply, errors.username === 'username_taken' ? 409 : 400, {
          username: typed,
          errors: { username: message(errors.username), password: message(errors.password) },
        })
      }
      case 'signed_in':
        return reply.redirect('/', 303)
    }
  }

  app.post('/register', handleRegister)
  // The original lesson app's address, kept working (docs/contract.md).
  app.post('/regist', handleRegister)
}
