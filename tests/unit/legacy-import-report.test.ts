import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { importLegacyUsers } from '../../src/legacy-import/import-users.js'
import { SKIP_REASONS, type ImportReport } from '../../src/legacy-import/report.js'
import type { Queryable } from '../../src/db/database.js'
import { formatImportReport, quoteName } from '../../src/cli/import-legacy-report.js'
import {
  arraySource,
  expectedSkips,
  LEGACY_ROWS,
  parseSkippedLines,
  parseSummary,
  PASSWORDS,
  sortPairs,
} from '../helpers/legacy-logins.js'

// The import's printed report: every skipped name with its reason code, counts that
// add up, a capped list, names that cannot rewrite a terminal, and never a password.

function reportWith(changes: Partial<ImportReport>): ImportReport {
  const skipped = Object.fromEntries(
    SKIP_REASONS.map((reason) => [reason, { count: 0, names: [] }]),
  ) as unknown as ImportReport['skipped']
  return {
    dryRun: false,
    interrupted: false,
    read: 0,
    imported: 0,
    weak: { password_too_short: 0, password_too_common: 0 },
    skipped,
    ...changes,
  }
}

describe('legacy import report', () => {
  test('lists every skipped name with its reason, counts that add up, and no password', async () => {
    // A dry run on an empty Logon: the only query asks which names exist.
    const emptyLogon: Queryable = { query: async () => [], exec: async () => {} }
    const report = await importLegacyUsers(emptyLogon, arraySource(LEGACY_ROWS), {
      passwordMinLength: 8,
      passwordHash: { memoryCost: 8192, timeCost: 1, parallelism: 1 },
      concurrency: 2,
      dryRun: true,
    })
    const text = formatImportReport(report)
    assert.deepEqual(sortPairs(parseSkippedLines(text)), sortPairs(expectedSkips()))
    assert.deepEqual(parseSummary(text), { read: LEGACY_ROWS.length, imported: 6, weak: 2 })
    assert.match(text, /^Dry run, nothing written\. Summary: read 20, would import 6, skipped 14 /)
    assert.match(
      text,
      /skipped 14 \(username_missing 1, username_length 1, username_characters 2, username_mixed_scripts 1, duplicate_in_source 4, look_alike_in_source 2, password_missing 2, password_too_long 1\)/,
    )
    assert.match(text, /weak 2 \(password_too_short 1, password_too_common 1\)/)
    for (const password of PASSWORDS) assert.ok(!text.includes(password), 'no password printed')
    assert.ok(!text.includes('gina') && !text.includes('hank'), 'weak accounts are not named')
  })

  test('lists at most `limit` names, actionable reasons first, and says how many more', () => {
    const names = (reason: string, count: number) =>
      Array.from({ length: count }, (_, i) => ({ username: `${reason}_${i}`, reason }))
    const text = formatImportReport(
      reportWith({
        read: 260,
        skipped: {
          ...reportWith({}).skipped,
          imported_earlier: { count: 250, names: names('imported_earlier', 100) as never },
          username_length: { count: 10, names: names('username_length', 10) as never },
        },
      }),
      { limit: 100 },
    )
    const listed = parseSkippedLines(text)
    assert.equal(listed.length, 100)
    assert.deepEqual(
      listed.slice(0, 10).map(([, reason]) => reason),
      Array(10).fill('username_length'),
    )
    assert.match(text, /^ {2}… and 160 more not listed \(imported_earlier 160\)$/m)
  })

  test('an interrupted import says so and how to finish', () => {
    const text = formatImportReport(reportWith({ interrupted: true, read: 500, imported: 500 }))
    assert.match(text, /^Interrupted .*run the same command again/m)
  })

  const QUOTED: Array<[name: string | null, shown: string]> = [
    ['bob', '"bob"'],
    ['two words', '"two words"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['evil\u001b[2J', '"evil\\u001b[2J"'],
    ['abc\u202edcba', '"abc\\u202edcba"'],
    ['zero\u200bwidth', '"zero\\u200bwidth"'],
    ['line\u2028break', '"line\\u2028break"'],
    ['nbsp\u00a0', '"nbsp\\u00a0"'],
    ['tag\u{e0041}', '"tag\\udb40\\udc41"'],
    [null, 'null'],
  ]
  for (const [name, shown] of QUOTED) {
    test(`a name is printed as ${shown}, which reads back as the name`, () => {
      assert.equal(quoteName(name), shown)
      assert.equal(JSON.parse(shown), name)
    })
  }

  test('a very long name is cut, and says how long it was', () => {
    assert.equal(quoteName('x'.repeat(5000)), `"${'x'.repeat(64)}" (first 64 of 5000 characters)`)
  })
})
