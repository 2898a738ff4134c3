import type { FastifyReply, FastifyRequest } from 'fastify'
import type { User } from '../../auth/users.js'
import { translatorFor } from '../pages.js'
import type { StartedSession } from '../session-changes.js'
import type { ApiOptions } from './options.js'
import { sessionJson, userJson } from './present.js'
import { sendProblem } from './problem.js'

// Answers more than one API route gives.

/**
 * 429, as every limit answers. The flows set Retry-After already (refuseAttempt);
 * the problem says the same seconds, and the wait in words.
 */
export function sendTooManyAttempts(request: FastifyRequest, reply: FastifyReply, message: string) {
  return sendProblem(request, reply, 429, 'too_many_attempts', {
    detail: message,
    retryAfter: Number(reply.getHeader('retry-after')),
  })
}

/** 400: what was sent cannot be a code at all (it is not counted as a guess). */
export function sendCodeMalformed(request: FastifyRequest, reply: FastifyReply) {
  const detail = translatorFor(request)('error.code_malformed')
  return sendProblem(request, reply, 400, 'invalid_request', {
    errors: [{ pointer: '#/code', code: 'code_malformed', detail }],
  })
}

/** A second-factor code a signed-in user gave that was not right (secondFactorCode). */
export function sendCodeFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  { statusCode, message }: { statusCode: number; message: string },
) {
  if (statusCode === 429) return sendTooManyAttempts(request, reply, message)
  if (statusCode === 400) return sendCodeMalformed(request, reply)
  return sendProblem(request, reply, 401, 'invalid_code')
}

/** 201 with who signed in and the session; the token only when it was asked for. */
export function sendSignedIn(
  reply: FastifyReply,
  {
    user,
    started,
    token,
  }: { user: Pick<User, 'id' | 'username'>; started: StartedSession; token: boolean | undefined },
  opts: ApiOptions,
) {
  return reply.code(201).send({
    user: userJson(user),
    session: sessionJson(started.session, opts.accounts.sessions.policy),
    ...(token ? { token: started.token } : {}),
  })
}
