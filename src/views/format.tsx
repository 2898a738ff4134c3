import type { Translate } from '../i18n/translate.js'

/** A moment as "2026-01-01 12:00 UTC" inside <time datetime>, for machines and people. */
export function Time({ date }: { date: Date }) {
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`
  return <time datetime={date.toISOString()}>{text}</time>
}

/** A limit in the largest whole unit that fits: 1800 s → "30 minutes". */
export function formatDuration(seconds: number, t: Translate): string {
  if (seconds % 86400 === 0) return t('duration.days', { n: seconds / 86400 })
  if (seconds % 3600 === 0) return t('duration.hours', { n: seconds / 3600 })
  if (seconds % 60 === 0) return t('duration.minutes', { n: seconds / 60 })
  return t('duration.seconds', { n: seconds })
}
