import type { Locale, Translate } from '../i18n/translate.js'

/** One formatter per language, made on first use (making one costs far more than using it). */
function perLocale<T>(make: (locale: Locale) => T): (locale: Locale) => T {
  const made = new Map<Locale, T>()
  return (locale) => {
    let formatter = made.get(locale)
    if (formatter === undefined) made.set(locale, (formatter = make(locale)))
    return formatter
  }
}

/** A moment as "2026-01-01 12:00 UTC" inside <time datetime>, for machines and people. */
export function Time({ date }: { date: Date }) {
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  return <time datetime={date.toISOString()}>{text}</time>
}

// The catalogs hold a .one and an .other form of each counted message; a language
// whose rules know no 'one' (Chinese) gets .other for every number.
const pluralRules = perLocale((locale) => new Intl.PluralRules(locale))
const UNITS = [
  ['days', 86400],
  ['hours', 3600],
  ['minutes', 60],
  ['seconds', 1],
] as const

/** A limit in the largest whole unit that fits: 1800 s → "30 minutes", 3600 s → "1 hour". */
export function formatDuration(seconds: number, t: Translate): string {
  const [unit, size] = UNITS.find(([, size]) => seconds % size === 0) ?? UNITS[3]
  const n = seconds / size
  const form = pluralRules(t.locale).select(n) === 'one' ? 'one' : 'other'
  return t(`duration.${unit}.${form}`, { n })
}
