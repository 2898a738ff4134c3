import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AccountServices } from '../../auth/accounts.js'
import { registerAccount, type RegistrationErrorCode } from '../../auth/registration.js'
import { clientAddressKey } from '../../auth/client-address.js'
import { recordAuthEvent } from '../../auth/events.js'
import type { HashLease } from '../../auth/hash-queue.js'
import { admitClientHashing } from '../../auth/password-attempts.js'
import { countRegistrationAttempt } from '../../auth/registration-limit.js'
import { typedNameKeys } from '../../auth/sign-in-limits.js'
import type { LimitsPolicy } from '../../config.js'
import {
  RegisterPage,
  RegistrationClosedPage,
  type RegisterForm,
} from '../../views/register-page.js'
import { BlankForm } from '../blank-form.js'
import { renewDeviceCookie, type DeviceCookieSettings } from '../device-cookie.js'
import { passwordField, typedText, usernameField } from '../form-fields.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import { startSession, type PageSessions } from '../session-changes.js'
import { refuseAttempt } from '../too-many-attempts.js'

const registerBody = z.object({ username: usernameField, password: passwordField })

export interface RegisterRouteOptions {
  pageSessions: PageSessions
  accounts: AccountServices
  limits: LimitsPolicy
  devices: DeviceCookieSettings
}

export async function registerRoutes(app: FastifyInstance, opts: RegisterRouteOptions) {
  const { db, now } = opts.pageSessions

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
    const at = now()
    // A fair place in the line of hashes first (hash-queue.ts): one address cannot
    // fill it and keep everyone else from hashing, and a request refused for load has
    // counted nothing against the address's registrations.
    const admission = admitClientHashing(opts.limits, { address: clientAddressKey(request.ip) })
    if (!admission.ok) {
      return showForm(request, reply, 429, {
        username: typedText(request.body, 'username'),
        errors: { form: refuseAttempt(request, reply, admission.retryAfterSeconds) },
      })
    }
    try {
      return await registerWithLease(request, reply, at, admission.lease)
    } finally {
      admission.lease.release()
    }
  }

  async function registerWithLease(
    request: FastifyRequest,
    reply: FastifyReply,
    at: Date,
    lease: HashLease,
  ) {
    if (opts.limits.enabled) {
      // Every attempt let in counts, before any validation or hashing.
      const attempt = await countRegistrationAttempt(db, clientAddressKey(request.ip), {
        perMinute: opts.limits.registrationsPerMinute,
        now: at,
      })
      if (!attempt.allowed) {
        return showForm(request, reply, 429, {
          username: typedText(request.body, 'username'),
          errors: { form: refuseAttempt(request, reply, attempt.retryAfterSeconds) },
        })
      }
    }
    const body = registerBody.safeParse(request.body)
    if (!body.success) {
      return showForm(request, reply, 400, {
        username: typedText(request.body, 'username'),
        errors: { form: translatorFor(request)('error.form_invalid') },
      })
    }
    const result = await registerAccount(opts.accounts, body.data, { now: at, lease })
    lease.release() // hashing is done; the place is someone else's (release is idempotent)
    if (!result.ok) {
      const t = translatorFor(request)
      const message = (code: RegistrationErrorCode | undefined) =>
        code && t(`error.${code}`, { min: opts.accounts.policy.passwordMinLength })
      return showForm(request, reply, result.errors.username === 'username_taken' ? 409 : 400, {
        username: body.data.username,
        errors: {
          username: message(result.errors.username),
          password: message(result.errors.password),
        },
      })
    }
    await recordAuthEvent(db, {
      userId: result.user.id,
      kind: 'registered',
      at,
      ...requestOrigin(request),
    })
    await startSession(request, reply, { user: result.user, remember: false }, opts.pageSessions)
    await renewDeviceCookie(
      request,
      reply,
      { nameKey: typedNameKeys(result.user.username).nameKey, user: result.user },
      { settings: opts.devices, now: at },
    )
    return reply.redirect('/', 303)
  }

  app.post('/register', handleRegister)
  // The original lesson app's address, kept working (docs/contract.md).
  app.post('/regist', handleRegister)
}
