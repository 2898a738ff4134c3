import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { changePassword, deleteAccount } from '../../auth/accounts.js'
import type { HashLease } from '../../auth/hash-queue.js'
import { checkPasswordPolicy } from '../../auth/passwords.js'
import { isSecondFactorOn } from '../../auth/second-factor.js'
import { typedNameKeys } from '../../auth/sign-in-limits.js'
import { checkPasswordOfSignedIn } from '../account-password-check.js'
import {
  ACCOUNT_PATH,
  showAccount,
  signedIn,
  type AccountRouteOptions,
  type SignedIn,
} from '../account-page.js'
import { renewDeviceCookie } from '../device-cookie.js'
import { HttpError } from '../errors.js'
import { passwordField } from '../form-fields.js'
import { translatorFor } from '../pages.js'
import { requestOrigin } from '../request-origin.js'
import { recentlyAuthenticated, secondFactorCode } from '../reauthentication.js'
import { endSession } from '../session-changes.js'

// The account page's two changes that first check the password (and, see
// codeWhenAsked, a code): a new password, and deleting the account. What each ends (sessions, device tokens, member pages) is
// ended by the auth verbs they call, not here.

const codeField = z.string().max(256).optional()
const passwordChangeBody = z.object({
  current_password: passwordField,
  new_password: passwordField,
  code: codeField,
})
const deleteBody = z.object({ password: passwordField, delete_code: codeField })

export async function accountChangeRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const { accounts } = opts
  const { db, now } = opts.pageSessions
  const minLength = accounts.policy.passwordMinLength

  const checkedOnAccountPage = <T extends { ok: boolean; stale?: boolean }>(
    request: FastifyRequest,
    reply: FastifyReply,
    current: SignedIn,
    check: (lease: HashLease) => Promise<T>,
  ) => checkPasswordOfSignedIn(request, reply, current, opts, check)

  /**
   * Both changes take the password, which re-authenticates by itself; with the
   * second factor on, a session not recently authenticated also gives a code,
   * checked first: a wrong code costs no password hash (the change checks the
   * password and makes itself in one verb, so the code cannot come after it).
   * The failure to show, or null to go on.
   */
  async function codeWhenAsked(
    request: FastifyRequest,
    reply: FastifyReply,
    current: SignedIn,
    typed: string | undefined,
  ): Promise<{ statusCode: number; error: string } | null> {
    const userId = current.user.id
    if (!(await isSecondFactorOn(db, userId))) return null
    if (await recentlyAuthenticated(current, opts)) return null
    const checked = await secondFactorCode(request, reply, opts, { userId, typed: typed ?? '' })
    return checked.ok ? null : checked
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
    const codeFailure = await codeWhenAsked(request, reply, current, body.data.code)
    if (codeFailure) {
      return showAccount(request, reply, current, opts, {
        statusCode: codeFailure.statusCode,
        ...passwordErrors('code', codeFailure.error),
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
    const codeFailure = await codeWhenAsked(request, reply, current, body.data.delete_code)
    if (codeFailure) {
      return showAccount(request, reply, current, opts, {
        statusCode: codeFailure.statusCode,
        forms: { deleteErrors: { code: codeFailure.error } },
      })
    }
    const result = await checkedOnAccountPage(request, reply, current, (lease) =>
      deleteAccount(accounts, { userId: current.user.id, password: body.data.password }, { lease }),
    )
    if ('refused' in result) {
      return showAccount(request, reply, current, opts, {
        statusCode: 429,
        forms: { deleteErrors: { password: result.refused } },
      })
    }
    if (!result.ok) {
      return showAccount(request, reply, current, opts, {
        statusCode: 401,
        forms: { deleteErrors: { password: translatorFor(request)('error.password_wrong') } },
      })
    }
    // The account's rows are gone with it; the log keeps that it happened.
    request.log.info({ userId: current.user.id }, 'account deleted')
    request.session = null // its row went with the account: no sign-out event for it
    await endSession(request, reply, opts.pageSessions)
    return reply.redirect('/', 303)
  })
}
