import type { Translate } from '../i18n/translate.js'

/** A moment as "2026-01-01 12:00 UTC" inside <time datetime>, for machines and people. */
export function Time({ date }: { date: Date }) {
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  return <time datetime={date.toISOString()}>{text}</time>
}

const plural = new Intl.PluralRules('en')
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
  return t(`duration.${unit}.${plural.select(n) === 'one' ? 'one' : 'other'}`, { n })
}
