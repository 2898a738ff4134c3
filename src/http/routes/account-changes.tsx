import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { changePassword, deleteAccount } from '../../auth/accounts.js'
import { recordAuthEvent } from '../../auth/events.js'
import type { HashLease } from '../../auth/hash-queue.js'
import { checkPasswordPolicy } from '../../auth/passwords.js'
import { attemptPasswordCheck } from '../../auth/password-attempts.js'
import { signInSubject, typedNameKeys } from '../../auth/sign-in-limits.js'
import {
  ACCOUNT_PATH,
  showAccount,
  signedIn,
  type AccountRouteOptions,
  type SignedIn,
} from '../account-page.js'
import { renewDeviceCookie, requestDeviceKey } from '../device-cookie.js'
import { HttpError } from '../errors.js'
import { passwordField } from '../form-fields.js'
import { translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import { endSession } from '../session-changes.js'
import { refuseAttempt } from '../too-many-attempts.js'

// The account page's two changes that first check the password: a new password, and
// deleting the account. What each ends (sessions, device tokens, member pages) is
// ended by the auth verbs they call, not here.

const passwordChangeBody = z.object({
  current_password: passwordField,
  new_password: passwordField,
})
const deleteBody = z.object({ password: passwordField })

export async function accountChangeRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const { accounts } = opts
  const { db, now } = opts.pageSessions
  const minLength = accounts.policy.passwordMinLength

  /**
   * A password check on this page counts as a sign-in attempt does: the same limits
   * for the account and the address, a fair place in the line of hashes, and a
   * security event when it fails. Refused: 429 and the page.
   */
  async function checkedOnAccountPage<T extends { ok: boolean; stale?: boolean }>(
    request: FastifyRequest,
    reply: FastifyReply,
    current: SignedIn,
    check: (lease: HashLease) => Promise<T>,
  ): Promise<T | { refused: string }> {
    const at = now()
    const name = typedNameKeys(current.user.username)
    const deviceKey = await requestDeviceKey(request, name, { settings: opts.devices, now: at })
    const subject = signInSubject(current.user.username, request.ip, deviceKey)
    const attempt = await attemptPasswordCheck(opts.passwordAttempts, subject, check)
    if (attempt.status === 'refused') {
      return { refused: refuseAttempt(request, reply, attempt.retryAfterSeconds) }
    }
    if (!attempt.result.ok && !attempt.result.stale) {
      const event = { userId: current.user.id, at, ...requestOrigin(request) }
      await recordAuthEvent(db, { ...event, kind: 'password_check_failed' })
      if (attempt.accountWaitUntil) await recordAuthEvent(db, { ...event, kind: 'account_locked' })
    }
    return attempt.result
  }

  app.post(`${ACCOUNT_PATH}/password`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = passwordChangeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSWORD_FORM')
    const t = translatorFor(request)
    const passwordErrors = (field: string, message: string) => ({
      forms: { passwordErrors: { [field]: message } },
    })
    // A weak new password is refused before the current one is looked at: it is no
    // guess, and must not count as one.
    const policy = checkPasswordPolicy(body.data.new_password, minLength)
    if (!policy.ok) {
      return showAccount(request, reply, current, opts, {
        statusCode: 400,
        ...passwordErrors('new_password', t(`error.${policy.code}`, { min: minLength })),
      })
    }
    const result = await checkedOnAccountPage(request, reply, current, (lease) =>
      changePassword(
        accounts,
        { userId: current.user.id, currentSessionId: current.session.id },
        { currentPassword: body.data.current_password, newPassword: body.data.new_password },
        { now: now(), origin: requestOrigin(request), lease },
      ),
    )
    if ('refused' in result) {
      return showAccount(request, reply, current, opts, {
        statusCode: 429,
        ...passwordErrors('current_password', result.refused),
      })
    }
    if (!result.ok) {
      return showAccount(request, reply, current, opts, {
        statusCode: result.code === 'password_wrong' ? 401 : 400,
        ...passwordErrors(result.field, t(`error.${result.code}`, { min: minLength })),
      })
    }
    // The account's other sessions and its device tokens are gone: this browser, which
    // just proved the password, gets a new device token.
    await renewDeviceCookie(
      request,
      reply,
      {
        nameKey: typedNameKeys(current.user.username).nameKey,
        user: { id: current.user.id, passwordVersion: result.passwordVersion },
      },
      { settings: opts.devices, now: now() },
    )
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })

  app.post(`${ACCOUNT_PATH}/delete`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = deleteBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_DELETE_FORM')
    const result = await checkedOnAccountPage(request, reply, current, (lease) =>
      deleteAccount(accounts, { userId: current.user.id, password: body.data.password }, { lease }),
    )
    if ('refused' in result) {
      return showAccount(request, reply, current, opts, {
        statusCode: 429,
        forms: { deleteError: result.refused },
      })
    }
    if (!result.ok) {
      return showAccount(request, reply, current, opts, {
        statusCode: 401,
        forms: { deleteError: translatorFor(request)('error.password_wrong') },
      })
    }
    // The account's rows are gone with it; the log keeps that it happened.
    request.log.info({ userId: current.user.id }, 'account deleted')
    request.session = null // its row went with the account: no sign-out event for it
    await endSession(request, reply, opts.pageSessions)
    return reply.redirect('/', 303)
  })
}
