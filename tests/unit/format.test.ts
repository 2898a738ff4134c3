import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { renderToString } from 'preact-render-to-string'
import { h } from 'preact'
import { translator } from '../../src/i18n/translate.js'
import { Time, formatDuration, formatRelativeTime } from '../../src/views/format.js'

const t = translator('en')

describe('formatDuration uses the largest whole unit', () => {
  const cases: Array<[number, string]> = [
    [1800, '30 minutes'],
    [43200, '12 hours'],
    [2592000, '30 days'],
    [90, '90 seconds'],
    [7, '7 seconds'],
    [3600, '1 hour'],
    [60, '1 minute'],
    [86400, '1 day'],
    [1, '1 second'],
  ]
  for (const [seconds, expected] of cases) {
    test(`${seconds} s is "${expected}"`, () => assert.equal(formatDuration(seconds, t), expected))
  }
})

test('Time renders a <time datetime> with the date and time in UTC, in the language of the page', () => {
  const date = new Date('2026-03-04T05:06:07.890Z')
  assert.equal(
    renderToString(h(Time, { t, date })),
    '<time datetime="2026-03-04T05:06:07.890Z">Mar 4, 2026, 5:06 AM UTC</time>',
  )
  assert.equal(
    renderToString(h(Time, { t: translator('zh-CN'), date })),
    '<time datetime="2026-03-04T05:06:07.890Z">2026年3月4日 UTC 05:06</time>',
  )
})

test('Time given now says how long ago, beside the <time>', () => {
  const html = renderToString(
    h(Time, {
      t,
      date: new Date('2026-03-04T05:06:07Z'),
      now: new Date('2026-03-04T05:08:30Z'),
    }),
  )
  assert.match(html, /<\/time> \(<small class="relative-time">2 minutes ago<\/small>\)$/)
})

describe('formatRelativeTime: the largest unit reached, whole units toward zero', () => {
  const now = new Date('2026-03-04T12:00:00Z')
  const cases: Array<[number, string]> = [
    [0, 'just now'],
    [-0.4, 'just now'],
    [-42, 'just now'],
    [20, 'just now'],
    [-60, '1 minute ago'],
    [-119, '1 minute ago'],
    [-3599, '59 minutes ago'],
    [-2 * 3600, '2 hours ago'],
    [-86400, '1 day ago'],
    [-3 * 86400, '3 days ago'],
    [-40 * 86400, '1 month ago'],
    [-400 * 86400, '1 year ago'],
    [3 * 3600, 'in 3 hours'],
  ]
  for (const [seconds, expected] of cases) {
    test(`${seconds} s is "${expected}"`, () =>
      assert.equal(formatRelativeTime(new Date(now.getTime() + seconds * 1000), now, t), expected))
  }
})

// Whole 24-hour steps are no calendar days: 47 hours ago may be two dates back, so no
// "yesterday"; 30 days ago may be two months back, so no "last month".
describe('formatRelativeTime at the boundaries of its units, in each language', () => {
  const now = new Date('2026-03-04T12:00:00Z')
  const cases: Array<[string, number, { en: string; 'zh-CN': string }]> = [
    ['59 s', 59, { en: 'just now', 'zh-CN': '刚刚' }],
    ['60 s', 60, { en: '1 minute ago', 'zh-CN': '1分钟前' }],
    ['23 h 59 min', 23 * 3600 + 59 * 60, { en: '23 hours ago', 'zh-CN': '23小时前' }],
    ['24 h', 24 * 3600, { en: '1 day ago', 'zh-CN': '1天前' }],
    ['47 h', 47 * 3600, { en: '1 day ago', 'zh-CN': '1天前' }],
    ['30 days', 30 * 86400, { en: '1 month ago', 'zh-CN': '1个月前' }],
  ]
  for (const [label, secondsAgo, expected] of cases) {
    for (const locale of ['en', 'zh-CN'] as const) {
      test(`${label} ago is "${expected[locale]}" in ${locale}`, () =>
        assert.equal(
          formatRelativeTime(new Date(now.getTime() - secondsAgo * 1000), now, translator(locale)),
          expected[locale],
        ))
    }
  }
})
