import type { FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import type { MessageKey } from '../../i18n/translate.js'
import { VARY_BY_LANGUAGE } from '../language.js'
import { translatorFor } from '../pages.js'

// The API's errors: RFC 9457 problem details. `code` is stable (clients branch on it);
// `title` is in the request's language and says what a person would need to know;
// `errors` names each field a validation refused. A problem never holds a stack, SQL,
// a hash or anything a client did not send.

export const PROBLEM_CONTENT_TYPE = 'application/problem+json'

/** Where the API lives: every answer below it, an error too, is JSON. */
export const API_PREFIX = '/api/v1'

export function isApiRequest(url: string): boolean {
  return url === API_PREFIX || url.startsWith(`${API_PREFIX}/`) || url.startsWith(`${API_PREFIX}?`)
}

/** Each code, its words, and where it may be answered (docs/contract.md, "JSON API"). */
const TITLES = {
  invalid_request: 'problem.invalid_request',
  invalid_cursor: 'problem.invalid_cursor',
  username_invalid: 'problem.username_invalid',
  password_too_short: 'problem.password_too_short',
  password_too_long: 'problem.password_too_long',
  password_too_common: 'problem.password_too_common',
  username_taken: 'problem.username_taken',
  invalid_credentials: 'problem.invalid_credentials',
  account_disabled: 'problem.account_disabled',
  invalid_code: 'problem.invalid_code',
  sign_in_step_expired: 'problem.sign_in_step_expired',
  unauthenticated: 'problem.unauthenticated',
  reauthentication_required: 'problem.reauthentication_required',
  forbidden_origin: 'problem.forbidden_origin',
  registration_closed: 'problem.registration_closed',
  not_found: 'problem.not_found',
  payload_too_large: 'problem.payload_too_large',
  unsupported_media_type: 'problem.unsupported_media_type',
  too_many_attempts: 'problem.too_many_attempts',
  too_many_requests: 'problem.too_many_requests',
  service_unavailable: 'problem.service_unavailable',
  busy: 'problem.busy',
  internal_error: 'problem.internal_error',
} as const satisfies Record<string, MessageKey>

export type ProblemCode = keyof typeof TITLES
export const PROBLEM_CODES = Object.keys(TITLES) as [ProblemCode, ...ProblemCode[]]

/**
 * A tag URI (RFC 4151), as RFC 9457 §3.1.1 allows: it names the kind of problem for
 * good without claiming a page that would have to be kept up.
 */
export function problemType(code: ProblemCode): string {
  return `tag:logon,2026:problem:${code}`
}

export const fieldError = z
  .object({
    pointer: z
      .string()
      .meta({ description: 'JSON Pointer (RFC 6901) to the field, as a URI fragment' }),
    code: z.string(),
    detail: z.string(),
  })
  .meta({ id: 'FieldError' })

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    code: z.enum(PROBLEM_CODES),
    detail: z.string().optional(),
    errors: z.array(fieldError).optional(),
    retry_after: z
      .int()
      .optional()
      .meta({ description: 'Seconds; the Retry-After header says the same' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details' })

export type Problem = z.infer<typeof problemSchema>
export type FieldError = z.infer<typeof fieldError>

/** A problem's response schema for one status, as the document lists it. */
export function problemResponse(description: string) {
  return { description, content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } } }
}

export function problemBody(
  request: FastifyRequest,
  status: number,
  code: ProblemCode,
  extra: { detail?: string; errors?: FieldError[]; retryAfter?: number } = {},
): Problem {
  const t = translatorFor(request)
  return {
    type: problemType(code),
    title: t(TITLES[code]),
    status,
    code,
    ...(extra.detail === undefined ? {} : { detail: extra.detail }),
    ...(extra.errors === undefined ? {} : { errors: extra.errors }),
    ...(extra.retryAfter === undefined ? {} : { retry_after: extra.retryAfter }),
  }
}

/** Sends a problem: its own content type, never cached, in the request's language. */
export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  status: number,
  code: ProblemCode,
  extra: { detail?: string; errors?: FieldError[]; retryAfter?: number } = {},
): FastifyReply {
  if (extra.retryAfter !== undefined) reply.header('retry-after', String(extra.retryAfter))
  return (
    reply
      .code(status)
      .header('cache-control', 'no-store')
      .header('vary', VARY_BY_LANGUAGE)
      .type(PROBLEM_CONTENT_TYPE)
      // Serialised here: a problem has the same shape whatever the route declares.
      .send(JSON.stringify(problemBody(request, status, code, extra)))
  )
}
