import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { DatabaseUnavailableError } from '../db/database.js'
import type { MessageKey } from '../i18n/translate.js'
import { ErrorPage } from '../views/error-page.js'
import { defaultTranslate as t, sendPage } from './pages.js'

// One error handler at the edge (STYLE.md #11): 4xx keep their status with a short
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

function isDatabaseUnavailable(error: unknown): boolean {
  return error instanceof DatabaseUnavailableError
}

function sendErrorPage(_request: FastifyRequest, reply: FastifyReply, statusCode: number) {
  const message = t(MESSAGE_BY_STATUS[statusCode] ?? 'http.badRequest')
  // The page is rendered without a form token: an error must not set new cookies.
  return sendPage(
    reply,
    statusCode,
    <ErrorPage ctx={{ t, user: null, csrfToken: '' }} message={message} />,
  )
}

export function registerErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (isDatabaseUnavailable(error)) {
      request.log.warn({ err: error.cause ?? error }, 'database unavailable')
      return reply
        .code(503)
        .header('retry-after', '5')
        .header('cache-control', 'no-store')
        .type('text/plain; charset=utf-8')
        .send(t('http.unavailable'))
    }
    const statusCode = error.statusCode ?? 500
    if (statusCode >= 400 && statusCode < 500) {
      request.log.info({ code: error.code, statusCode }, 'request refused')
      return sendErrorPage(request, reply, statusCode)
    }
    request.log.error({ err: error }, 'unexpected error')
    return reply
      .code(500)
      .header('cache-control', 'no-store')
      .type('text/plain; charset=utf-8')
      .send(t('http.internal'))
  })

  app.setNotFoundHandler((request, reply) => sendErrorPage(request, reply, 404))
}
