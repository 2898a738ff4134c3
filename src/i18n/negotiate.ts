import { LOCALES, type Locale } from './translate.js'

// Which language a request gets: the `lang` cookie the switcher sets wins; otherwise
// the browser's Accept-Language, by its quality values; otherwise English. Chinese in
// any form maps to Simplified Chinese (the only Chinese catalog: a reader of
// Traditional Chinese reads it far better than English).

export const LANGUAGE_COOKIE = 'lang'
export const DEFAULT_LOCALE: Locale = 'en'

/** The catalog a language tag asks for, or undefined for one Logon does not speak. */
export function localeOfTag(tag: string): Locale | undefined {
  const primary = tag.trim().toLowerCase().split('-')[0]
  const locale = primary === 'zh' ? 'zh-CN' : primary === 'en' ? 'en' : undefined
  return locale !== undefined && LOCALES.includes(locale) ? locale : undefined
}

/**
 * RFC 9110 §12.5.4: comma-separated ranges, each with an optional `;q=` weight
 * (default 1, 0 = not acceptable); the highest weight wins, the earlier on a tie.
 * `*` is any language the header does not name otherwise (so `en;q=0, *` is not
 * English). Malformed parts are skipped, never an error.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined
  const ranges = header
    .slice(0, 1024)
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.split(';')
      const qParam = params.map((p) => p.trim()).find((p) => p.toLowerCase().startsWith('q='))
      return { range: range.trim(), q: qParam === undefined ? 1 : Number(qParam.slice(2)) }
    })
    .filter(({ q }) => Number.isFinite(q) && q >= 0 && q <= 1)
  const named = new Set(ranges.map(({ range }) => localeOfTag(range)))
  const anyOther = LOCALES.find((locale) => !named.has(locale))
  let best: { locale: Locale; q: number } | undefined
  for (const { range, q } of ranges) {
    if (q === 0) continue
    const locale = range === '*' ? anyOther : localeOfTag(range)
    if (locale !== undefined && (best === undefined || q > best.q)) best = { locale, q }
  }
  return best?.locale
}

export function chooseLocale({
  cookie,
  acceptLanguage,
}: {
  cookie: string | undefined
  acceptLanguage: string | undefined
}): Locale {
  const chosen = LOCALES.find((locale) => locale === cookie)
  return chosen ?? localeFromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE
}
