import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { AccountServices } from '../../auth/accounts.js'
import { clientAddressKey } from '../../auth/client-address.js'
import { admitClientHashing } from '../../auth/password-attempts.js'
import { findPasswordReset, redeemPasswordReset } from '../../auth/password-resets.js'
import type { LimitsPolicy } from '../../config.js'
import {
  PasswordResetDonePage,
  PasswordResetInvalidPage,
  PasswordResetPage,
} from '../../views/password-reset-page.js'
import { passwordField } from '../form-fields.js'
import {
  clearPasswordResetCookie,
  passwordResetToken,
  setPasswordResetCookie,
} from '../password-reset-cookie.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import type { PageSessions } from '../session-changes.js'
import { refuseAttempt } from '../too-many-attempts.js'

// A link from `logon users reset` (src/auth/password-resets.ts): GET /password-reset/TOKEN
// moves the token into a cookie and answers 303 /password-reset, the form; its POST
// sets the password and ends every session of the account. Every answer is no-store,
// and the token is in no page's address (the link's answer is a redirect), so no
// Referer carries it: it is a credential.

export const PASSWORD_RESET_PATH = '/password-reset'

const resetBody = z.object({ new_password: passwordField })

export interface PasswordResetRouteOptions {
  pageSessions: PageSessions
  accounts: AccountServices
  limits: LimitsPolicy
}

export async function passwordResetRoutes(app: FastifyInstance, opts: PasswordResetRouteOptions) {
  const { db, now, cookieSecure } = opts.pageSessions
  const minLength = opts.accounts.policy.passwordMinLength

  function invalid(request: FastifyRequest, reply: FastifyReply) {
    clearPasswordResetCookie(reply, cookieSecure)
    return sendPage(reply, 404, <PasswordResetInvalidPage ctx={pageContext(request, reply)} />)
  }

  app.get<{ Params: { token: string } }>(
    `${PASSWORD_RESET_PATH}/:token`,
    async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const { token } = request.params
      const pending = await findPasswordReset(db, token, now())
      if (!pending) return invalid(request, reply)
      const maxAgeSeconds = Math.ceil((pending.expiresAt.getTime() - now().getTime()) / 1000)
      setPasswordResetCookie(reply, token, { secure: cookieSecure, maxAgeSeconds })
      return reply.redirect(PASSWORD_RESET_PATH, 303)
    },
  )

  app.get(PASSWORD_RESET_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const token = passwordResetToken(request, cookieSecure)
    const pending = token === undefined ? null : await findPasswordReset(db, token, now())
    if (!pending) return invalid(request, reply)
    const ctx = pageContext(request, reply)
    const form = { ...pending, passwordMinLength: minLength }
    return sendPage(reply, 200, <PasswordResetPage ctx={ctx} form={form} />)
  })

  app.post(PASSWORD_RESET_PATH, async (request, reply) => {
    reply.header('cache-control', 'no-store')
    const token = passwordResetToken(request, cookieSecure)
    const pending = token === undefined ? null : await findPasswordReset(db, token, now())
    if (token === undefined || !pending) return invalid(request, reply)
    const t = translatorFor(request)
    const showForm = (statusCode: number, error: string) =>
      sendPage(
        reply,
        statusCode,
        <PasswordResetPage
          ctx={pageContext(request, reply)}
          form={{ ...pending, passwordMinLength: minLength, error }}
        />,
      )
    const body = resetBody.safeParse(request.body)
    if (!body.success) return showForm(400, t('error.form_invalid'))
    // A fair place in the line of hashes, as for every password hashed (hash-queue.ts).
    const admission = admitClientHashing(opts.limits, { address: clientAddressKey(request.ip) })
    if (!admission.ok) {
      return showForm(429, refuseAttempt(request, reply, admission.retryAfterSeconds))
    }
    try {
      const outcome = await redeemPasswordReset(
        opts.accounts,
        { token, newPassword: body.data.new_password },
        { now: now(), origin: requestOrigin(request), lease: admission.lease },
      )
      if (!outcome.ok) {
        if (outcome.code === 'link_invalid') return invalid(request, reply)
        return showForm(400, t(`error.${outcome.code}`, { min: minLength }))
      }
    } finally {
      admission.lease.release()
    }
    clearPasswordResetCookie(reply, cookieSecure)
    return reply.redirect(`${PASSWORD_RESET_PATH}/done`, 303)
  })

  // A static route: it wins over /:token in the router ("done" is no token anyway).
  app.get(`${PASSWORD_RESET_PATH}/done`, (request, reply) =>
    sendPage(reply, 200, <PasswordResetDonePage ctx={pageContext(request, reply)} />),
  )
}
