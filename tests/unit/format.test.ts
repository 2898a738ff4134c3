import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { renderToString } from 'preact-render-to-string'
import { h } from 'preact'
import { translator } from '../../src/i18n/translate.js'
import { Time, formatDuration } from '../../src/views/format.js'

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

test('Time renders a <time datetime> with a readable UTC text', () => {
  const html = renderToString(h(Time, { date: new Date('2026-03-04T05:06:07.890Z') }))
  assert.equal(html, '<time datetime="2026-03-04T05:06:07.890Z">2026-03-04 05:06 UTC</time>')
})
