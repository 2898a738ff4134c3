import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { describe as describeProgress, progressLine } from '../../src/cli/progress.js'

// The progress line of the long commands (src/cli/progress.ts): rewritten in place on
// a terminal, no more than 10 times a second; a plain line per step elsewhere.

function recorder(isTTY: boolean) {
  const writes: string[] = []
  let now = 0
  return {
    writes,
    advance: (ms: number) => (now += ms),
    options: {
      label: 'logon test',
      unit: 'rows',
      output: { isTTY, write: (t: string) => writes.push(t) },
      now: () => now,
    },
  }
}

describe('progress line', () => {
  test('counts, percentage, rate and time left, once a second has passed', () => {
    assert.equal(describeProgress(0, 500_000, 'rows', 0), '0 of 500,000 rows (0 %)')
    assert.equal(
      describeProgress(120_000, 500_000, 'rows', 15_000),
      '120,000 of 500,000 rows (24 %), 8,000 rows/s, 48 s left',
    )
    assert.equal(
      describeProgress(1_000, 1_000_000, 'rows', 10_000),
      '1,000 of 1,000,000 rows (0 %), 100 rows/s, 2 h 46 min left',
    )
    assert.equal(describeProgress(42, undefined, 'rows', 2_000), '42 rows, 21 rows/s')
    assert.equal(describeProgress(0, 0, 'rows', 5), '0 of 0 rows (100 %)')
  })

  test('on a terminal: one line rewritten with \\r, at most every 100 ms, the last step always, a newline at the end', () => {
    const r = recorder(true)
    const line = progressLine(r.options)
    line.update(1, 10, 'users')
    r.advance(30)
    line.update(2, 10, 'users') // too soon: not drawn
    r.advance(30)
    line.update(3, 10, 'users') // too soon: not drawn
    r.advance(100)
    line.update(4, 10, 'sessions')
    r.advance(1)
    line.update(10, 10, 'sessions') // the last step: drawn at once
    line.end()
    assert.deepEqual(r.writes, [
      '\rlogon test: 1 of 10 rows (10 %) (users)\x1b[K',
      '\rlogon test: 4 of 10 rows (40 %) (sessions)\x1b[K',
      '\rlogon test: 10 of 10 rows (100 %) (sessions)\x1b[K',
      '\n',
    ])
  })

  test('on a terminal, a step held back by the throttle is drawn at the end', () => {
    const r = recorder(true)
    const line = progressLine(r.options)
    line.update(1, 10)
    line.update(7, 10) // held back
    line.end()
    assert.equal(r.writes.at(-2), '\rlogon test: 7 of 10 rows (70 %)\x1b[K')
    assert.equal(r.writes.at(-1), '\n')
  })

  test('elsewhere (a log, a pipe): a plain line per step, and nothing more at the end', () => {
    const r = recorder(false)
    const line = progressLine(r.options)
    line.update(1, 3)
    line.update(2, 3)
    line.update(3, 3)
    line.end()
    assert.deepEqual(r.writes, [
      'logon test: 1 of 3 rows (33 %)\n',
      'logon test: 2 of 3 rows (66 %)\n',
      'logon test: 3 of 3 rows (100 %)\n',
    ])
  })

  test('a command that never made a step writes nothing', () => {
    for (const isTTY of [true, false]) {
      const r = recorder(isTTY)
      progressLine(r.options).end()
      assert.deepEqual(r.writes, [])
    }
  })
})
