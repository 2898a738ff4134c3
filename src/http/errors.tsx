import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify'
import { STATUS_CODES } from 'node:http'
import { PasswordHashingBusyError, passwordHashingLoad } from '../auth/passwords.js'
import { DatabaseUnavailableError } from '../db/database.js'
import { translator, type MessageKey } from '../i18n/translate.js'
import type { PageContext } from '../views/page-context.js'
import { ErrorPage } from '../views/error-page.js'
import { pagePathOf, sendPage, translatorFor } from './pages.js'
import { VARY_BY_LANGUAGE } from './language.js'
import { baselineSecurityHeaders } from './security-headers.js'
import { TooManyRequestsError } from './request-limit.js'
import { isApiRequest, sendProblem } from './api/problem.js'

// One error handler at the edge: 4xx keep their status with a short
// page; a database that does not answer is a plain 503; everything else is a
// generic 500. The response never holds a stack, SQL or a database message: those
// go to the log only.

/** A request the client got wrong, with a stable code for logs and tests. */
export class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
  ) {
    super(code)
  }
}

const MESSAGE_BY_STATUS: Record<number, MessageKey> = {
  400: 'http.badRequest',
  403: 'http.forbidden',
  404: 'http.notFound',
  413: 'http.tooLarge',
  415: 'http.unsupportedMediaType',
}

/**
 * Error pages keep the signed-in navigation where they can: on the pages, where
 * the session was read and a form token can be made for the sign-out button.
 */
function errorPageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  const t = translatorFor(request)
  const registrationOpen = request.server.registrationOpen
  const path = pagePathOf(request)
  const now = request.server.clock()
  if (request.user && typeof reply.generateCsrf === 'function') {
    return { t, user: request.user, csrfToken: reply.generateCsrf(), registrationOpen, path, now }
  }
  return { t, user: null, csrfToken: '', registrationOpen, path, now }
}

function sendErrorPage(request: FastifyRequest, reply: FastifyReply, statusCode: number) {
  const ctx = errorPageContext(request, reply)
  const message = ctx.t(MESSAGE_BY_STATUS[statusCode] ?? 'http.badRequest')
  return sendPage(reply, statusCode, <ErrorPage ctx={ctx} message={message} />)
}

function sendPlain(
  request: FastifyRequest,
  reply: FastifyReply,
  statusCode: number,
  key: MessageKey,
) {
  return reply
    .code(statusCode)
    .header('cache-control', 'no-store')
    .header('vary', VARY_BY_LANGUAGE)
    .type('text/plain; charset=utf-8')
    .send(translatorFor(request)(key))
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof DatabaseUnavailableError) {
      request.log.warn({ err: error.cause ?? error }, 'database unavailable')
      return sendPlain(request, reply.header('retry-after', '5'), 503, 'http.unavailable')
    }
    if (error instanceof TooManyRequestsError) {
      // Plain and cheap: a flood gets no page to render (Retry-After is set).
      return sendPlain(request, reply, 429, 'http.tooManyRequests')
    }
    if (error instanceof PasswordHashingBusyError) {
      // How full the line is tells an operator whether to add threads or instances.
      request.log.warn({ hashing: passwordHashingLoad() }, 'password hashing queue full: refused')
      return sendPlain(request, reply.header('retry-after', '1'), 503, 'http.busy')
    }
    const statusCode = error.statusCode ?? 500
    if (statusCode >= 400 && statusCode < 500) {
      request.log.info({ code: error.code, statusCode }, 'request refused')
      return sendErrorPage(request, reply, statusCode)
    }
    request.log.error({ err: error }, 'unexpected error')
    return sendPlain(request, reply, 500, 'http.internal')
  })

  app.setNotFoundHandler((request, reply) => sendErrorPage(request, reply, 404))
}

/**
 * Fastify's answers to requests it cannot route (a URL that does not decode) and
 * to requests Node cannot parse: the same headers and words as every other answer,
 * not Fastify's JSON.
 */
export const edgeErrorHandlers: Pick<
  FastifyServerOptions,
  'frameworkErrors' | 'clientErrorHandler'
> = {
  frameworkErrors(error, request, reply) {
    request.log.info({ code: error.code }, 'request refused before routing')
    reply.headers(baselineSecurityHeaders).header('x-request-id', request.id)
    // The API's clients read problems, never a page (api/problem.ts).
    if (isApiRequest(request.url)) void sendProblem(request, reply, 400, 'invalid_request')
    else void sendErrorPage(request, reply, 400)
  },
  clientErrorHandler(error, socket) {
    if ((error as NodeJS.ErrnoException).code === 'ECONNRESET' || socket.destroyed) return
    const status = (error as NodeJS.ErrnoException).code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400
    const body = translator('en')('http.badRequest')
    const headers = Object.entries({
      ...baselineSecurityHeaders,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
      connection: 'close',
    })
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('')
    if (socket.writable)
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${headers}\r\n${body}`)
    socket.destroy(error)
  },
}
