import type { Locale, Translate } from '../i18n/translate.js'
import { Message } from './message.js'

/** One formatter per language, made on first use (making one costs far more than using it). */
function perLocale<T>(make: (locale: Locale) => T): (locale: Locale) => T {
  const made = new Map<Locale, T>()
  return (locale) => {
    let formatter = made.get(locale)
    if (formatter === undefined) made.set(locale, (formatter = make(locale)))
    return formatter
  }
}

// Moments are shown in UTC, and say so: the server does not know the reader's zone.
// Each language writes date and time in its own way: "Mar 4, 2026, 5:06 AM UTC",
// "2026年3月4日 UTC 05:06".
const dateTimeFormat = perLocale(
  (locale) =>
    new Intl.DateTimeFormat(locale, {
      year: 'numeric',
      month: 'short',
      day: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      timeZone: 'UTC',
      timeZoneName: 'short',
    }),
)
const dateFormat = perLocale(
  (locale) => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone: 'UTC' }),
)
// numeric: 'always' ("1 day ago", never "yesterday"): a count of whole 24-hour steps
// is not a count of calendar days, and 'auto' would call 47 hours ago (two dates back)
// "yesterday" and 30 days ago "last month". The one word that is exact, for under a
// minute, comes from the catalog ('time.justNow') instead of Intl's "now".
const relativeTimeFormat = perLocale(
  (locale) => new Intl.RelativeTimeFormat(locale, { numeric: 'always' }),
)

const RELATIVE_UNITS = [
  ['year', 365 * 86400],
  ['month', 30 * 86400],
  ['day', 86400],
  ['hour', 3600],
  ['minute', 60],
] as const

/**
 * How long before or after `now` a moment is, in the largest unit it reaches, in
 * whole units toward zero (119 s ago is "1 minute ago", never "2 minutes ago"):
 * "2 minutes ago", "1 day ago", "in 3 hours"; "2分钟前", "1天前", "3小时后". Under a
 * minute either way is "just now", "刚刚": the pages show how long ago things
 * happened, and a moment seconds ahead of `now` is the clocks of two instances
 * disagreeing, not the future.
 */
export function formatRelativeTime(date: Date, now: Date, t: Translate): string {
  const seconds = (date.getTime() - now.getTime()) / 1000
  const reached = RELATIVE_UNITS.find(([, size]) => Math.abs(seconds) >= size)
  if (reached === undefined) return t('time.justNow')
  const [unit, size] = reached
  return relativeTimeFormat(t.locale).format(Math.trunc(seconds / size), unit)
}

/**
 * A moment inside <time datetime> (the ISO instant, for machines) in the reader's
 * language; given `now`, followed by how long ago it was ("(2 minutes ago)").
 */
export function Time({ t, date, now }: { t: Translate; date: Date; now?: Date }) {
  const time = <time datetime={date.toISOString()}>{dateTimeFormat(t.locale).format(date)}</time>
  if (now === undefined) return time
  const relative = <small class="relative-time">{formatRelativeTime(date, now, t)}</small>
  return <Message t={t} id="time.withRelative" slots={{ time, relative }} />
}

/** A day inside <time datetime>: "Jan 2, 2026", "2026年1月2日" (the UTC date). */
export function DateOnly({ t, date }: { t: Translate; date: Date }) {
  return <time datetime={date.toISOString()}>{dateFormat(t.locale).format(date)}</time>
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
