import fastifySwagger from '@fastify/swagger'
import type { FastifyError, FastifyInstance } from 'fastify'
import {
  createJsonSchemaTransform,
  createJsonSchemaTransformObject,
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod'
import { PasswordHashingBusyError, passwordHashingLoad } from '../../auth/passwords.js'
import { DatabaseUnavailableError } from '../../db/database.js'
import { apiAuthentication } from './authentication.js'
import type { ApiOptions } from './options.js'
import { API_PREFIX, problemResponse, sendProblem } from './problem.js'
import { fieldErrors } from './validation-problems.js'
import { accountApiRoutes } from './routes/account.js'
import { membersApiRoutes } from './routes/members.js'
import { sessionApiRoutes } from './routes/session.js'
import { sessionsApiRoutes } from './routes/sessions.js'
import { usersApiRoutes } from './routes/users.js'

// The JSON API, /api/v1 (docs/contract.md, "JSON API"). Its own scope: zod validates
// and serialises (the rest of the app declares no schema and loads no JSON-schema
// compiler); every error is a problem (problem.ts), never an HTML page; and the
// OpenAPI document is generated from the routes' own schemas.

export { API_PREFIX }

const BEARER_SCHEME = {
  type: 'http',
  scheme: 'bearer',
  description: 'The token of POST /session or /users with "token": true',
} as const
const COOKIE_SCHEME = {
  type: 'apiKey',
  in: 'cookie',
  name: 'session',
  description: 'The session cookie (__Host-session over https), same-origin writes only',
} as const

type TransformObject = ReturnType<typeof createJsonSchemaTransformObject>

/**
 * The generator lists every named zod schema twice, as an input and an output shape;
 * the document keeps the ones an operation refers to (directly or through another).
 */
function withReferencedSchemasOnly(transform: TransformObject): TransformObject {
  return (input) => {
    const document = transform(input) as { components?: { schemas?: Record<string, unknown> } }
    const schemas = document.components?.schemas
    if (!schemas) return document as ReturnType<TransformObject>
    const referenced = (value: unknown) =>
      [...JSON.stringify(value).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]!)
    const kept = new Set<string>()
    let frontier = referenced({ ...document, components: { ...document.components, schemas: {} } })
    while (frontier.length > 0) {
      const next: string[] = []
      for (const name of frontier) {
        if (kept.has(name)) continue
        kept.add(name)
        next.push(...referenced(schemas[name]))
      }
      frontier = next
    }
    document.components!.schemas = Object.fromEntries(
      Object.entries(schemas).filter(([name]) => kept.has(name)),
    )
    return document as ReturnType<TransformObject>
  }
}

export async function apiRoutes(
  app: FastifyInstance,
  { services: opts, cookieSecure }: { services: ApiOptions; cookieSecure: boolean },
) {
  app.setValidatorCompiler(validatorCompiler)
  app.setSerializerCompiler(serializerCompiler)

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Logon API',
        version: '1',
        description:
          'Accounts and sessions. Errors are RFC 9457 problem details with a stable `code`.',
      },
      components: {
        securitySchemes: {
          bearer: BEARER_SCHEME,
          cookie: { ...COOKIE_SCHEME, name: cookieSecure ? '__Host-session' : 'session' },
        },
      },
      security: [{ bearer: [] }, { cookie: [] }],
    },
    transform: createJsonSchemaTransform({}),
    transformObject: withReferencedSchemasOnly(createJsonSchemaTransformObject({})),
  })

  // What any operation may answer besides its own outcomes, listed once: the checks
  // every request passes (authentication.ts, the body limit, the error handler).
  app.addHook('onRoute', (route) => {
    const schema = route.schema as
      | {
          body?: unknown
          params?: unknown
          querystring?: unknown
          response?: Record<string, unknown>
        }
      | undefined
    if (!schema?.response) return
    const write = !['GET', 'HEAD'].includes(String(route.method))
    const common: [number, string][] = [
      [429, 'too_many_requests (REQUESTS_PER_ADDRESS_PER_MINUTE)'],
      [500, 'internal_error'],
      [503, 'service_unavailable, or busy'],
    ]
    if (write) {
      common.push([403, 'forbidden_origin'], [413, 'payload_too_large'])
      common.push([415, 'unsupported_media_type'])
    }
    // A write may carry broken JSON even where it needs no body.
    if (write || schema.body || schema.params || schema.querystring) {
      common.push([400, 'invalid_request'])
    }
    for (const [status, codes] of common) {
      schema.response[status] ??= problemResponse(codes)
    }
  })

  await app.register(apiAuthentication, {
    sessions: opts.accounts.sessions,
    cookieSecure,
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      const part = error.validationContext ?? 'body'
      const errors = fieldErrors(request, part, error.validation)
      return sendProblem(request, reply, 400, 'invalid_request', { errors })
    }
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ err: error.cause ?? error }, 'database unavailable')
      return sendProblem(request, reply.header('retry-after', '5'), 503, 'service_unavailable')
    }
    if (error instanceof PasswordHashingBusyError) {
      request.log.warn({ hashing: passwordHashingLoad() }, 'password hashing queue full: refused')
      return sendProblem(request, reply.header('retry-after', '1'), 503, 'busy')
    }
    const statusCode = error.statusCode ?? 500
    if (statusCode === 413) return sendProblem(request, reply, 413, 'payload_too_large')
    if (statusCode === 429) {
      const retryAfter = Number(reply.getHeader('retry-after'))
      return sendProblem(request, reply, 429, 'too_many_requests', { retryAfter })
    }
    if (statusCode === 415) return sendProblem(request, reply, 415, 'unsupported_media_type')
    if (statusCode >= 400 && statusCode < 500) {
      request.log.info({ code: error.code, statusCode }, 'request refused')
      return sendProblem(request, reply, 400, 'invalid_request')
    }
    request.log.error({ err: error }, 'unexpected error')
    return sendProblem(request, reply, 500, 'internal_error')
  })
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, 404, 'not_found'))

  await app.register(usersApiRoutes, opts)
  await app.register(sessionApiRoutes, opts)
  await app.register(sessionsApiRoutes, opts)
  await app.register(accountApiRoutes, opts)
  await app.register(membersApiRoutes, opts)

  // Made at the first request and kept: the routes do not change once the app is ready.
  let document: string | undefined
  app.get('/openapi.json', { schema: { hide: true } }, (_request, reply) => {
    document ??= JSON.stringify(app.swagger())
    return reply
      .header('cache-control', 'public, max-age=300')
      .type('application/json; charset=utf-8')
      .send(document)
  })
}
