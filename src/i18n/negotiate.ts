import { asLocale, LOCALES, type Locale } from './translate.js'

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
 * Whether refusing `tag` (q=0) refuses the catalog it maps to: refusing zh-TW or
 * zh-Hant is no refusal of Simplified Chinese, refusing zh, zh-CN or zh-Hans is.
 */
function refusesItsLocale(tag: string): boolean {
  const subtags = tag.trim().toLowerCase().split('-')
  if (subtags[0] !== 'zh') return true
  return !subtags.slice(1).some((s) => ['hant', 'tw', 'hk', 'mo'].includes(s))
}

// RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ).
const QVALUE = /^q=(0(\.\d{0,3})?|1(\.0{0,3})?)$/i
const MAX_HEADER_LENGTH = 1024

interface LanguageRange {
  tag: string
  q: number
}

/** The well-formed ranges of a header; a part that is not one is skipped. */
function languageRanges(header: string): LanguageRange[] {
  const parts = header.slice(0, MAX_HEADER_LENGTH).split(',')
  // Cut short, the last part may have lost its weight ("zh-CN;q=0.8" → "zh"): drop it.
  if (header.length > MAX_HEADER_LENGTH) parts.pop()
  const ranges: LanguageRange[] = []
  for (const part of parts) {
    const [tag = '', ...params] = part.split(';').map((piece) => piece.trim())
    if (!/^(\*|[a-z]{1,8}(-[a-z0-9]{1,8})*)$/i.test(tag) || params.length > 1) continue
    const weight = params[0]
    if (weight !== undefined && !QVALUE.test(weight)) continue
    ranges.push({ tag, q: weight === undefined ? 1 : Number(weight.slice(2)) })
  }
  return ranges
}

/**
 * RFC 9110 §12.5.4: comma-separated ranges, each with an optional `;q=` weight
 * (default 1, 0 = not acceptable); the highest weight wins, the earlier on a tie.
 * `*` is any language the header does not name otherwise (so `en;q=0, *` is not
 * English). Malformed parts are skipped, never an error.
 */
export function localeFromAcceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined
  const ranges = languageRanges(header)
  const refused = new Set(
    ranges.filter((r) => r.q === 0 && refusesItsLocale(r.tag)).map((r) => localeOfTag(r.tag)),
  )
  const named = new Set(ranges.map((r) => localeOfTag(r.tag)))
  const anyOther = LOCALES.find((locale) => !named.has(locale))
  let best: { locale: Locale; q: number } | undefined
  for (const { tag, q } of ranges) {
    const locale = tag === '*' ? anyOther : localeOfTag(tag)
    if (q === 0 || locale === undefined || refused.has(locale)) continue
    if (best === undefined || q > best.q) best = { locale, q }
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
  return asLocale(cookie) ?? localeFromAcceptLanguage(acceptLanguage) ?? DEFAULT_LOCALE
}
