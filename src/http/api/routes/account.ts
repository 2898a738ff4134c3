import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  changePasswordOfSignedIn,
  deleteAccountOfSignedIn,
  type AccountChangeFailure,
} from '../../account-flows.js'
import { translatorFor } from '../../pages.js'
import { sendCodeFailure, sendTooManyAttempts } from '../answers.js'
import { requireSession } from '../authentication.js'
import { typedByZod, type ApiOptions } from '../options.js'
import { problemResponse, sendProblem } from '../problem.js'
import { accountDeletionBody, noContent, passwordChangeBody } from '../schemas.js'

// A new password and deleting the account, with the account page's rules
// (account-flows.ts): the same limits on the password, the same code when asked.

function sendFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: AccountChangeFailure,
  minLength: number,
) {
  switch (failure.kind) {
    case 'refused':
      return sendTooManyAttempts(request, reply, failure.message)
    case 'code':
      return sendCodeFailure(request, reply, failure)
    case 'password_wrong':
      return sendProblem(request, reply, 401, 'invalid_credentials')
    case 'new_password': {
      const detail = translatorFor(request)(`error.${failure.code}`, { min: minLength })
      return sendProblem(request, reply, 400, failure.code, {
        errors: [{ pointer: '#/new_password', code: failure.code, detail }],
      })
    }
  }
}

const CHANGE_FAILURES = {
  401: problemResponse('unauthenticated, invalid_credentials, or invalid_code (a code is needed)'),
  429: problemResponse('too_many_attempts'),
}

export async function accountApiRoutes(app: FastifyInstance, opts: ApiOptions) {
  const api = typedByZod(app)
  const minLength = opts.accounts.policy.passwordMinLength

  api.put(
    '/password',
    {
      schema: {
        tags: ['account'],
        operationId: 'changePassword',
        summary: "A new password; the account's other sessions end",
        body: passwordChangeBody,
        response: {
          204: noContent('Changed'),
          400: problemResponse('invalid_request, password_too_short, _too_long or _too_common'),
          ...CHANGE_FAILURES,
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      const change = await changePasswordOfSignedIn(request, reply, current, opts, {
        currentPassword: request.body.current_password,
        newPassword: request.body.new_password,
        code: request.body.code,
      })
      if (change.kind === 'changed') return reply.code(204).send(null)
      return sendFailure(request, reply, change, minLength)
    },
  )

  api.delete(
    '/account',
    {
      schema: {
        tags: ['account'],
        operationId: 'deleteAccount',
        summary: 'Delete the account, its sessions and its history',
        body: accountDeletionBody,
        response: {
          204: noContent('Deleted, and signed out'),
          ...CHANGE_FAILURES,
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      const deletion = await deleteAccountOfSignedIn(request, reply, current, opts, {
        password: request.body.password,
        code: request.body.code,
      })
      if (deletion.kind === 'deleted') return reply.code(204).send(null)
      return sendFailure(request, reply, deletion, minLength)
    },
  )
}
