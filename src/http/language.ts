import type { FastifyInstance, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { chooseLocale, LANGUAGE_COOKIE } from '../i18n/negotiate.js'
import { asLocale, translator, type Translate } from '../i18n/translate.js'
import { safeNextPath } from './next-path.js'

// The language of each answer, and the switcher's address. Links, not a form: they
// work on every page without JavaScript, error pages included (which have no form
// token), and a language is nothing an attacker gains by choosing for someone.

const ONE_YEAR_SECONDS = 365 * 86_400

/** What an answer in the request's language varies by, for any cache on the way. */
export const VARY_BY_LANGUAGE = 'Accept-Language, Cookie'

function languageCookie(request: FastifyRequest): string | undefined {
  // Undefined where the cookie plugin has not run (an answer before routing, such as
  // the 400 for a URL that does not decode): read from the header then.
  const parsed = request.cookies as Record<string, string | undefined> | undefined
  if (parsed) return parsed[LANGUAGE_COOKIE]
  const header = request.headers.cookie
  if (!header || typeof request.server.parseCookie !== 'function') return undefined
  return request.server.parseCookie(header)[LANGUAGE_COOKIE]
}

/** The words for this request: the `lang` cookie, else Accept-Language, else English. */
export function translatorFor(request: FastifyRequest): Translate {
  return translator(
    chooseLocale({
      cookie: languageCookie(request),
      acceptLanguage: request.headers['accept-language'],
    }),
  )
}

const switchQuery = z.object({ next: z.string().max(2048).optional() }).catch({})

export async function languageRoutes(
  app: FastifyInstance,
  { cookieSecure }: { cookieSecure: boolean },
) {
  app.get<{ Params: { locale: string } }>('/language/:locale', (request, reply) => {
    const locale = asLocale(request.params.locale)
    const next = safeNextPath(switchQuery.parse(request.query).next) ?? '/'
    if (locale === undefined) return reply.redirect(next, 303)
    reply.setCookie(LANGUAGE_COOKIE, locale, {
      path: '/',
      maxAge: ONE_YEAR_SECONDS,
      sameSite: 'lax',
      httpOnly: true,
      secure: cookieSecure,
    })
    return reply.header('cache-control', 'no-store').redirect(next, 303)
  })
}
