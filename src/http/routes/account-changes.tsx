import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { changePasswordOfSignedIn, deleteAccountOfSignedIn } from '../account-flows.js'
import { ACCOUNT_PATH, showAccount, signedIn, type AccountRouteOptions } from '../account-page.js'
import { HttpError } from '../errors.js'
import { codeField, passwordField } from '../form-fields.js'
import { translatorFor } from '../pages.js'

// The account page's two changes that first check the password (and a code, when
// asked): a new password, and deleting the account. The rules are in account-flows.ts,
// shared with the JSON API; this file only answers with the page.

const optionalCode = codeField.optional()
const passwordChangeBody = z.object({
  current_password: passwordField,
  new_password: passwordField,
  code: optionalCode,
})
const deleteBody = z.object({ password: passwordField, delete_code: optionalCode })

export async function accountChangeRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const minLength = opts.accounts.policy.passwordMinLength

  app.post(`${ACCOUNT_PATH}/password`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = passwordChangeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSWORD_FORM')
    const t = translatorFor(request)
    const change = await changePasswordOfSignedIn(request, reply, current, opts, {
      currentPassword: body.data.current_password,
      newPassword: body.data.new_password,
      code: body.data.code,
    })
    const showError = (statusCode: number, field: string, message: string) =>
      showAccount(request, reply, current, opts, {
        statusCode,
        forms: { passwordErrors: { [field]: message } },
      })
    switch (change.kind) {
      case 'changed':
        return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
      case 'refused':
        return showError(429, 'current_password', change.message)
      case 'code':
        return showError(change.statusCode, 'code', change.message)
      case 'password_wrong':
        return showError(401, 'current_password', t('error.password_wrong'))
      case 'new_password':
        return showError(400, 'new_password', t(`error.${change.code}`, { min: minLength }))
    }
  })

  app.post(`${ACCOUNT_PATH}/delete`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = deleteBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_DELETE_FORM')
    const deletion = await deleteAccountOfSignedIn(request, reply, current, opts, {
      password: body.data.password,
      code: body.data.delete_code,
    })
    const showError = (statusCode: number, deleteErrors: { password?: string; code?: string }) =>
      showAccount(request, reply, current, opts, { statusCode, forms: { deleteErrors } })
    switch (deletion.kind) {
      case 'deleted':
        return reply.redirect('/', 303)
      case 'refused':
        return showError(429, { password: deletion.message })
      case 'code':
        return showError(deletion.statusCode, { code: deletion.message })
      case 'password_wrong':
        return showError(401, { password: translatorFor(request)('error.password_wrong') })
    }
  })
}
