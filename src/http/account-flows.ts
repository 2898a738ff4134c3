import type { FastifyReply, FastifyRequest } from 'fastify'
import { changePassword, deleteAccount } from '../auth/accounts.js'
import { checkPasswordPolicy, type PasswordPolicyCode } from '../auth/passwords.js'
import { typedNameKeys } from '../auth/sign-in-limits.js'
import { checkPasswordOfSignedIn } from './account-password-check.js'
import type { AccountRouteOptions, SignedIn } from './account-page.js'
import { renewDeviceCookie } from './device-cookie.js'
import { codeWhenAsked } from './reauthentication.js'
import { requestOrigin } from './request-origin.js'
import { endSession } from './session-changes.js'

// The two changes that first check the password (and, see codeWhenAsked, a code): a
// new password, and deleting the account. The rules once, for the account page
// (routes/account-changes.tsx) and the JSON API (api/routes/account.ts). What each
// ends (sessions, device tokens, member pages) is ended by the auth verbs they call.

/** Why a change did not happen; `message` is in the request's language, for a page. */
export type AccountChangeFailure =
  /** A limit: Retry-After is set. */
  | { kind: 'refused'; message: string }
  /** The code a session not recently authenticated must give (statusCode: 400, 401 or 429). */
  | { kind: 'code'; statusCode: number; message: string }
  | { kind: 'password_wrong' }
  | { kind: 'new_password'; code: PasswordPolicyCode }

export async function changePasswordOfSignedIn(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: AccountRouteOptions,
  input: { currentPassword: string; newPassword: string; code: string | undefined },
): Promise<{ kind: 'changed' } | AccountChangeFailure> {
  const { accounts } = opts
  const { now } = opts.pageSessions
  // A weak new password is refused before the current one is looked at: it is no
  // guess, and must not count as one.
  const policy = checkPasswordPolicy(input.newPassword, accounts.policy.passwordMinLength)
  if (!policy.ok) return { kind: 'new_password', code: policy.code }
  const codeFailure = await codeWhenAsked(request, reply, current, opts, input.code)
  if (codeFailure)
    return { kind: 'code', statusCode: codeFailure.statusCode, message: codeFailure.error }
  const result = await checkPasswordOfSignedIn(request, reply, current, opts, (lease) =>
    changePassword(
      accounts,
      { userId: current.user.id, currentSessionId: current.session.id },
      { currentPassword: input.currentPassword, newPassword: input.newPassword },
      { now: now(), origin: requestOrigin(request), lease },
    ),
  )
  if ('refused' in result) return { kind: 'refused', message: result.refused }
  if (!result.ok) {
    return result.code === 'password_wrong'
      ? { kind: 'password_wrong' }
      : { kind: 'new_password', code: result.code }
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
  return { kind: 'changed' }
}

export async function deleteAccountOfSignedIn(
  request: FastifyRequest,
  reply: FastifyReply,
  current: SignedIn,
  opts: AccountRouteOptions,
  input: { password: string; code: string | undefined },
): Promise<{ kind: 'deleted' } | Exclude<AccountChangeFailure, { kind: 'new_password' }>> {
  const codeFailure = await codeWhenAsked(request, reply, current, opts, input.code)
  if (codeFailure)
    return { kind: 'code', statusCode: codeFailure.statusCode, message: codeFailure.error }
  const result = await checkPasswordOfSignedIn(request, reply, current, opts, (lease) =>
    deleteAccount(opts.accounts, { userId: current.user.id, password: input.password }, { lease }),
  )
  if ('refused' in result) return { kind: 'refused', message: result.refused }
  if (!result.ok) return { kind: 'password_wrong' }
  // The account's rows are gone with it; the log keeps that it happened.
  request.log.info({ userId: current.user.id }, 'account deleted')
  request.session = null // its row went with the account: no sign-out event for it
  await endSession(request, reply, opts.pageSessions)
  return { kind: 'deleted' }
}
