import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { findPendingSignIn } from '../../../auth/pending-sign-ins.js'
import { confirmIdentity } from '../../reauthentication.js'
import { endSession } from '../../session-changes.js'
import { finishSecondStep, recordFailedSignIn, signInWithPassword } from '../../sign-in-flows.js'
import {
  clearSignInStepCookie,
  setSignInStepCookie,
  signInStepToken,
} from '../../sign-in-step-cookie.js'
import { requireSession } from '../authentication.js'
import { typedByZod, type ApiOptions } from '../options.js'
import {
  sendCodeFailure,
  sendCodeMalformed,
  sendSignedIn,
  sendTooManyAttempts,
} from '../answers.js'
import { userJson, sessionJson } from '../present.js'
import { problemResponse, sendProblem } from '../problem.js'
import {
  currentSessionSchema,
  jsonResponse,
  noContent,
  reauthenticationBody,
  secondStepBody,
  secondStepSchema,
  signedInSchema,
  signInBody,
} from '../schemas.js'

// The session of the caller (docs/contract.md, "JSON API"): signing in with a password
// and, with a second factor, its second step; what the session is; signing out; and
// proving the password again for a change that asks for a recent one. The rules are
// the pages' (sign-in-flows.ts, reauthentication.tsx); only the answers differ.

const TAGS = ['session']

export async function sessionApiRoutes(app: FastifyInstance, opts: ApiOptions) {
  const api = typedByZod(app)
  const { db, now, cookieSecure } = opts.pageSessions
  const { sessions } = opts.accounts

  api.post(
    '/session',
    {
      onResponse: recordFailedSignIn,
      schema: {
        tags: TAGS,
        operationId: 'signIn',
        security: [], // no session yet: this is how one is made
        summary: 'Sign in with a name and password',
        body: signInBody,
        response: {
          201: jsonResponse('Signed in: the session cookie is set', signedInSchema),
          202: jsonResponse('The password was right; the second factor is next', secondStepSchema),
          401: problemResponse('invalid_credentials'),
          403: problemResponse('forbidden_origin, or account_disabled (the password was right)'),
          429: problemResponse('too_many_attempts'),
        },
      },
    },
    async (request, reply) => {
      const { username, password, remember = false, token } = request.body
      const signIn = await signInWithPassword(
        request,
        reply,
        { username, password, remember, nextPath: undefined },
        opts,
      )
      switch (signIn.kind) {
        case 'refused':
          return sendTooManyAttempts(request, reply, signIn.message)
        case 'failed':
          // The same status, words and cost for an unknown name and a wrong password.
          return sendProblem(request, reply, 401, 'invalid_credentials')
        case 'disabled':
          return sendProblem(request, reply, 403, 'account_disabled')
        case 'second_step':
          setSignInStepCookie(reply, signIn.token, cookieSecure)
          return reply
            .code(202)
            .send({ next: 'two_factor' as const, ...(token ? { step: signIn.token } : {}) })
        case 'signed_in':
          return sendSignedIn(reply, { user: signIn.user, started: signIn.started, token }, opts)
      }
    },
  )

  api.post(
    '/session/two-factor',
    {
      schema: {
        tags: TAGS,
        operationId: 'signInSecondStep',
        security: [], // no session yet: this is how one is made
        summary: 'The second step of a sign-in: a code from the app, or a recovery code',
        body: secondStepBody,
        response: {
          201: jsonResponse('Signed in', signedInSchema),
          400: problemResponse('invalid_request (not a code)'),
          401: problemResponse('invalid_code, or sign_in_step_expired'),
          429: problemResponse('too_many_attempts'),
        },
      },
    },
    async (request, reply) => {
      const { code, step, token } = request.body
      const stepToken = step ?? signInStepToken(request, cookieSecure)
      const pending = stepToken === undefined ? null : await findPendingSignIn(db, stepToken, now())
      if (!pending) {
        clearSignInStepCookie(reply, cookieSecure)
        return sendProblem(request, reply, 401, 'sign_in_step_expired')
      }
      const finished = await finishSecondStep(request, reply, { pending, code }, opts)
      switch (finished.kind) {
        case 'refused':
          return sendTooManyAttempts(request, reply, finished.message)
        case 'malformed':
          return sendCodeMalformed(request, reply)
        case 'wrong':
          return sendProblem(request, reply, 401, 'invalid_code')
        case 'expired':
          clearSignInStepCookie(reply, cookieSecure)
          return sendProblem(request, reply, 401, 'sign_in_step_expired')
        case 'signed_in': {
          clearSignInStepCookie(reply, cookieSecure)
          const { started } = finished
          return sendSignedIn(reply, { user: started.user, started, token }, opts)
        }
      }
    },
  )

  api.get(
    '/session',
    {
      schema: {
        tags: TAGS,
        operationId: 'getSession',
        summary: 'Who is signed in, and when the session ends',
        response: {
          200: jsonResponse('The current user and session', currentSessionSchema),
          401: problemResponse('unauthenticated'),
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      return {
        user: userJson(current.user),
        session: sessionJson(current.session, sessions.policy),
      }
    },
  )

  api.delete(
    '/session',
    {
      schema: {
        tags: TAGS,
        operationId: 'signOut',
        summary: 'Sign out: the session ends on the server, and its cookie goes',
        response: {
          204: noContent('Signed out (also when nobody was signed in)'),
        },
      },
    },
    async (request, reply) => {
      await endSession(request, reply, opts.pageSessions)
      return reply.code(204).send(null)
    },
  )

  api.post(
    '/session/reauthenticate',
    {
      schema: {
        tags: TAGS,
        operationId: 'reauthenticate',
        summary: 'Prove the password (and code) again, for a change that needs a recent sign-in',
        body: reauthenticationBody,
        response: {
          204: noContent('Confirmed: the session counts as recently authenticated'),
          401: problemResponse('unauthenticated, invalid_credentials or invalid_code'),
          429: problemResponse('too_many_attempts'),
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      const confirmed = await confirmIdentity(request, reply, current, opts, {
        password: request.body.password,
        code: request.body.code,
      })
      if (confirmed.ok) return reply.code(204).send(null)
      return sendConfirmationFailure(request, reply, confirmed)
    },
  )
}

/** A confirmation that failed (confirmIdentity), as a problem. */
function sendConfirmationFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  failure: { statusCode: number; errors: { password?: string; code?: string } },
) {
  const { password, code } = failure.errors
  if (failure.statusCode === 429) return sendTooManyAttempts(request, reply, password ?? code ?? '')
  if (password !== undefined) return sendProblem(request, reply, 401, 'invalid_credentials')
  return sendCodeFailure(request, reply, { statusCode: failure.statusCode, message: code ?? '' })
}
