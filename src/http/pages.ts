import type { FastifyReply, FastifyRequest } from 'fastify'
import type { JSX } from 'preact'
import { translator, type Translate } from '../i18n/translate.js'
import type { PageContext } from '../views/page-context.js'
import { renderDocument } from '../views/render.js'

const t: Translate = translator('en')

/** The context every view receives; the form token is made only when a page has forms. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  const csrfToken = typeof reply.generateCsrf === 'function' ? reply.generateCsrf() : ''
  return { t, user: request.user, csrfToken }
}

export function sendPage(reply: FastifyReply, statusCode: number, page: JSX.Element): FastifyReply {
  return (
    reply
      .code(statusCode)
      // Pages name the signed-in user and carry form tokens: no shared cache may keep them.
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(renderDocument(page))
  )
}

export { t as defaultTranslate }
