import type { FastifyInstance } from 'fastify'
import type { RegistrationErrorCode } from '../../../auth/registration.js'
import { translatorFor } from '../../pages.js'
import { registerThroughLimits } from '../../sign-in-flows.js'
import { sendSignedIn, sendTooManyAttempts } from '../answers.js'
import { typedByZod, type ApiOptions } from '../options.js'
import { problemResponse, sendProblem, type FieldError, type ProblemCode } from '../problem.js'
import { jsonResponse, registrationBody, signedInSchema } from '../schemas.js'

// POST /api/v1/users: registration, as the page does it (sign-in-flows.ts): the same
// line of hashes, the same count per address, the same rules for names and passwords.

/** The problem's own code for a refused name or password (the table). */
function registrationProblem(errors: {
  username?: RegistrationErrorCode
  password?: RegistrationErrorCode
}): { status: number; code: ProblemCode } {
  if (errors.username === 'username_taken') return { status: 409, code: 'username_taken' }
  if (errors.username !== undefined) return { status: 400, code: 'username_invalid' }
  const password = errors.password
  const isPasswordCode =
    password === 'password_too_short' ||
    password === 'password_too_long' ||
    password === 'password_too_common'
  return { status: 400, code: isPasswordCode ? password : 'invalid_request' }
}

export async function usersApiRoutes(app: FastifyInstance, opts: ApiOptions) {
  const api = typedByZod(app)
  const minLength = opts.accounts.policy.passwordMinLength

  api.post(
    '/users',
    {
      schema: {
        tags: ['users'],
        operationId: 'createUser',
        security: [], // no session yet: this is how one is made
        summary: 'Create an account; it is signed in',
        body: registrationBody,
        response: {
          201: jsonResponse('Created and signed in: the session cookie is set', signedInSchema),
          400: problemResponse(
            'invalid_request, username_invalid, password_too_short, password_too_long or password_too_common',
          ),
          403: problemResponse('forbidden_origin, or registration_closed'),
          409: problemResponse('username_taken'),
          429: problemResponse('too_many_attempts'),
        },
      },
    },
    async (request, reply) => {
      if (!app.registrationOpen) return sendProblem(request, reply, 403, 'registration_closed')
      const { username, password, token } = request.body
      const registration = await registerThroughLimits(
        request,
        reply,
        () => ({ username, password }),
        opts,
      )
      switch (registration.kind) {
        case 'refused':
          return sendTooManyAttempts(request, reply, registration.message)
        case 'invalid':
          return sendProblem(request, reply, 400, 'invalid_request')
        case 'rejected': {
          const t = translatorFor(request)
          const errors: FieldError[] = []
          for (const field of ['username', 'password'] as const) {
            const code = registration.errors[field]
            if (code === undefined) continue
            const detail = t(`error.${code}`, { min: minLength })
            errors.push({ pointer: `#/${field}`, code, detail })
          }
          const { status, code } = registrationProblem(registration.errors)
          return sendProblem(request, reply, status, code, { errors })
        }
        case 'signed_in':
          // A session refused at birth cannot happen to an account just made; if it
          // did, the account stands and the client signs in.
          if (!registration.started) return sendProblem(request, reply, 503, 'service_unavailable')
          return sendSignedIn(
            reply,
            { user: registration.user, started: registration.started, token },
            opts,
          )
      }
    },
  )
}
