import type { FastifyReply, FastifyRequest } from 'fastify'
import type { JSX } from 'preact'
import { translator, type Translate } from '../i18n/translate.js'
import type { PageContext } from '../views/page-context.js'
import { renderDocument } from '../views/render.js'

const t: Translate = translator('en')

/** The words for this request (one language for now; the catalog is ready for more). */
export function translatorFor(_request: FastifyRequest): Translate {
  return t
}

/** The context every page receives: words, the signed-in user, a form token. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  return {
    t: translatorFor(request),
    user: request.user,
    csrfToken: reply.generateCsrf(),
    registrationOpen: request.server.registrationOpen,
  }
}

export function sendPage(reply: FastifyReply, statusCode: number, page: JSX.Element): FastifyReply {
  return sendHtml(reply, statusCode, renderDocument(page))
}

/** A rendered page (see sendPage). */
export function sendHtml(reply: FastifyReply, statusCode: number, html: string): FastifyReply {
  return (
    reply
      .code(statusCode)
      // Pages name the signed-in user and carry form tokens: no shared cache may keep them.
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(html)
  )
}
