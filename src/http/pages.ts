import type { FastifyReply, FastifyRequest } from 'fastify'
import type { JSX } from 'preact'
import type { PageContext } from '../views/page-context.js'
import { renderDocument } from '../views/render.js'
import { translatorFor, VARY_BY_LANGUAGE } from './language.js'
import { safeNextPath } from './next-path.js'

export { translatorFor }

/**
 * The page an answer stands for, where the language switcher comes back to: the
 * address itself for a GET; for a form's answer, the page the form is on (a GET of
 * /account/password is no page), with the sign-in form's `next` kept.
 */
export function pagePathOf(request: FastifyRequest): string {
  const path = safeNextPath(request.url) ?? '/'
  if (request.method === 'GET' || request.method === 'HEAD') return path
  if (path.startsWith('/account/two-factor')) return '/account/two-factor'
  if (path.startsWith('/account')) return '/account'
  if (path.startsWith('/regist')) return '/register'
  if (path.startsWith('/login/two-factor')) return '/login/two-factor'
  if (path.startsWith('/login')) {
    const next = safeNextPath((request.body as { next?: unknown } | undefined)?.next)
    return next === undefined ? '/login' : `/login?next=${encodeURIComponent(next)}`
  }
  return '/'
}

/** The context every page receives: words, the signed-in user, a form token, the time. */
export function pageContext(request: FastifyRequest, reply: FastifyReply): PageContext {
  return {
    t: translatorFor(request),
    user: request.user,
    csrfToken: reply.generateCsrf(),
    registrationOpen: request.server.registrationOpen,
    path: pagePathOf(request),
    now: request.server.clock(),
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
      // And their language follows these two: a cache must not give one reader's to another.
      .header('vary', VARY_BY_LANGUAGE)
      .type('text/html; charset=utf-8')
      .send(html)
  )
}
