import type { FastifyReply, FastifyRequest } from 'fastify'
import { randomBytes } from 'node:crypto'
import type { JSX } from 'preact'
import type { PageContext } from '../views/page-context.js'
import { renderDocument } from '../views/render.js'
import { pageContext, sendHtml, sendPage } from './pages.js'

// Stands where the token goes while the page is rendered once; random, so that no
// text of the page can contain it by chance.
const TOKEN_MARKER = `csrf-token-${randomBytes(16).toString('hex')}`
// @fastify/csrf tokens are base64url and '-': nothing in them needs escaping. Anything
// else is rendered in full, through the escaping renderer.
const PLAIN_TOKEN = /^[\w-]+$/

type Halves = readonly [before: string, after: string]
const MAX_KEPT = 16

/**
 * A form page as a signed-out visitor first sees it (the sign-in and registration
 * forms, empty). Such a page differs from one visitor to the next only by its
 * anti-forgery token, so it is rendered once per language and kept as the text on
 * either side of the token: rendering took 20–40 of the 90–107 µs of CPU an
 * anonymous GET /login cost (bench scenario 2). `page` must build the page from
 * `ctx` alone. A signed-in visitor gets a full render (the header names them).
 */
export class BlankForm {
  readonly #page: (ctx: PageContext) => JSX.Element
  // Per language and path; null: the token is not in the page exactly once.
  readonly #halves = new Map<string, Halves | null>()

  constructor(page: (ctx: PageContext) => JSX.Element) {
    this.#page = page
  }

  send(request: FastifyRequest, reply: FastifyReply): FastifyReply {
    // The switcher comes back to the form itself: a query the route ignored is not
    // kept, so one visitor's URL never lands in the page kept for everyone.
    // The route's own path, not the URL as spelled ("/log%69n" is /login too), so a
    // few odd spellings cannot fill the kept pages.
    const full = pageContext(request, reply)
    const ctx = { ...full, path: request.routeOptions.url ?? full.path.split(/[?#]/)[0]! }
    if (ctx.user !== null || !PLAIN_TOKEN.test(ctx.csrfToken)) {
      return sendPage(reply, 200, this.#page(ctx))
    }
    const halves = this.#halvesFor(ctx)
    if (halves === null) return sendPage(reply, 200, this.#page(ctx))
    return sendHtml(reply, 200, halves[0] + ctx.csrfToken + halves[1])
  }

  #halvesFor(ctx: PageContext): Halves | null {
    const key = `${ctx.t.locale} ${ctx.path}`
    let halves = this.#halves.get(key)
    if (halves === undefined) {
      // A handful of paths and languages; more would be a bug, not a reason to grow.
      if (this.#halves.size >= MAX_KEPT) return null
      const parts = renderDocument(this.#page({ ...ctx, csrfToken: TOKEN_MARKER })).split(
        TOKEN_MARKER,
      )
      halves = parts.length === 2 ? [parts[0]!, parts[1]!] : null
      this.#halves.set(key, halves)
    }
    return halves
  }
}
