import assert from 'node:assert/strict'
import pg from 'pg'
import type { SkipReason } from '../../src/legacy-import/report.js'
import type { LegacyLogin, LegacySource } from '../../src/legacy-import/source.js'
import { createTestSchema, type TestSchema } from './pg-schema.js'

// The original app's login(username, password) table as the import tests build it:
// every kind of row the import must handle, with what must become of it.

export type Outcome = 'imported' | 'weak' | SkipReason

export interface LegacyRow {
  username: string | null
  password: string | null
  outcome: Outcome
}

export const LEGACY_ROWS: readonly LegacyRow[] = [
  { username: 'bob', password: 'pw-bob-7Hq2xLm', outcome: 'imported' },
  { username: 'carol_1', password: 'pw-carol-Zr8wQe', outcome: 'imported' },
  { username: '张三', password: 'pw-zhang-4Kd9Tv', outcome: 'imported' },
  // Full-width letters: shown as typed, signs in as "eve" too.
  { username: 'ｅｖｅ', password: 'pw-eve-Wm3pNc', outcome: 'imported' },
  { username: 'Alice', password: 'pw-alice-Jx5bRt', outcome: 'duplicate_in_source' },
  { username: 'a', password: 'pw-a-Hn6sYu', outcome: 'username_length' },
  { username: 'two words', password: 'pw-two-Qe2vLk', outcome: 'username_characters' },
  { username: '<b>', password: 'pw-bold-Pf7gMw', outcome: 'username_characters' },
  { username: null, password: 'pw-nobody-Ck4zXa', outcome: 'username_missing' },
  { username: 'Straße', password: 'pw-strasse-Bv8nHs', outcome: 'duplicate_in_source' },
  { username: 'gina', password: 'iloveyou', outcome: 'weak' }, // on the common list
  { username: 'hank', password: 'k7#q', outcome: 'weak' }, // too short
  { username: 'ivan', password: '', outcome: 'password_missing' },
  { username: 'judy', password: null, outcome: 'password_missing' },
  { username: 'kim', password: 'pw-kim-'.padEnd(1100, 'Lq'), outcome: 'password_too_long' },
  // After the first of their group, in another batch when read 3 at a time.
  { username: 'ALICE', password: 'pw-ALICE-Ut9dFo', outcome: 'duplicate_in_source' },
  { username: 'STRASSE', password: 'pw-STRASSE-Gy3hJi', outcome: 'duplicate_in_source' },
  // Latin "ace" and Cyrillic "асе": two names, one look; neither is given out.
  { username: 'ace', password: 'pw-ace-Lm4Ty8', outcome: 'look_alike_in_source' },
  { username: '\u0430\u0441\u0435', password: 'pw-ace-Cy7Rl2', outcome: 'look_alike_in_source' },
  // Cyrillic а among Latin letters.
  { username: 'p\u0430ypal', password: 'pw-paypal-Qz5Mx', outcome: 'username_mixed_scripts' },
]

export const IMPORTED = LEGACY_ROWS.filter((r) => r.outcome === 'imported' || r.outcome === 'weak')

/** Every non-empty password of the table: none may ever be printed. */
export const PASSWORDS = LEGACY_ROWS.flatMap((r) => (r.password ? [r.password] : []))

/** The rows as a LegacySource, `batchSize` rows at a time (no database). */
export function arraySource(rows: readonly LegacyLogin[], batchSize = 3): LegacySource {
  async function* batches<T>(items: readonly T[]) {
    for (let i = 0; i < items.length; i += batchSize) yield items.slice(i, i + batchSize)
  }
  return {
    usernames: () => batches(rows.map((row) => row.username)),
    logins: () => batches(rows),
  }
}

/** A schema of its own on the server holding `login` with `rows`; its URL selects it. */
export async function createLoginTable(
  adminUrl: string,
  rows: readonly { username: unknown; password: unknown }[],
  { columns = 'username text, password text' }: { columns?: string } = {},
): Promise<TestSchema & { url: string }> {
  const schema = await createTestSchema(adminUrl, 'logon_legacy_')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    await client.query(`CREATE TABLE ${schema.name}.login (${columns})`)
    for (const row of rows) {
      await client.query(`INSERT INTO ${schema.name}.login (username, password) VALUES ($1, $2)`, [
        row.username,
        row.password,
      ])
    }
  } finally {
    await client.end()
  }
  return { ...schema, url: schema.urlFor(adminUrl) }
}

/** Skipped names of a printed report: the quoted name (JSON, or null) and the reason code. */
export function parseSkippedLines(output: string): Array<[string | null, string]> {
  return [...output.matchAll(/^ {2}(null|"(?:[^"\\]|\\.)*") {2}([a-z_]+):/gm)].map((match) => [
    JSON.parse(match[1]!) as string | null,
    match[2]!,
  ])
}

/** The counts of the summary line. */
export function parseSummary(output: string): { read: number; imported: number; weak: number } {
  const match = /Summary: read (\d+), (?:imported|would import) (\d+), .*weak (\d+)/.exec(output)
  assert.ok(match, `a summary line in:\n${output}`)
  return { read: Number(match[1]), imported: Number(match[2]), weak: Number(match[3]) }
}

/** What the report must say for each skipped row of LEGACY_ROWS (all names, in any order). */
export function expectedSkips(
  rows: readonly LegacyRow[] = LEGACY_ROWS,
): Array<[string | null, string]> {
  return rows
    .filter((r) => r.outcome !== 'imported' && r.outcome !== 'weak')
    .map((r) => [r.username, r.outcome])
}

export function sortPairs(pairs: Array<[string | null, string]>): Array<[string | null, string]> {
  return [...pairs].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))
}
