import type { Database, Queryable } from './database.js'
import { applyMigrations, loadMigrations, type Migration } from './migrate.js'
import { quoteIdentifier as q, readTableCatalog, type TableShape } from './table-catalog.js'

// The embedded database copied into an empty PostgreSQL database (`logon move-to`):
// every table of the schema, found in the catalog, so a table a later migration adds
// is copied too. The target is migrated and filled in ONE transaction, with the row
// counts compared before the commit: a failure or a Ctrl-C rolls it all back, and
// the target is left as it was (without even the tables). The source is read in one
// READ ONLY snapshot: nothing is written to it.
//
// Values cross as text, each column cast to text on the source and back to its type
// on the target: PostgreSQL's text form of a value reads back as the same value
// (what COPY relies on), where a JavaScript Date would lose a timestamptz's
// microseconds. Rows are read through a cursor a batch at a time, in primary key
// order, so a table of any size costs one batch of memory.

/** Rows read and written per statement. */
export const DEFAULT_BATCH_ROWS = 10_000

// Each side's text forms, fixed: ISO dates (with their offset), hex bytea, floats
// that read back exactly. The snapshot is REPEATABLE READ so that the counts and the
// rows are of one moment.
const SOURCE_SETTINGS =
  'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY; ' +
  "SET LOCAL DateStyle = 'ISO, MDY'; SET LOCAL IntervalStyle = 'postgres'; " +
  "SET LOCAL bytea_output = 'hex'; SET LOCAL extra_float_digits = 3"
// A batch or a count of a big table may take longer than a request's 2 s, and the
// transaction idles while the source reads the next batch; a lock someone else holds
// on a table is not waited for forever.
const TARGET_SETTINGS =
  'SET LOCAL statement_timeout = 0; SET LOCAL idle_in_transaction_session_timeout = 0; ' +
  "SET LOCAL lock_timeout = '10s'"
// The client's own limit on one statement (postgres-timeouts.ts): a stuck server.
const STATEMENT_TIMEOUT_MS = 10 * 60_000
// Each side's own history: the target's says when its schema was made. The versions
// are compared instead.
const MIGRATIONS_TABLE = 'schema_migrations'
const CURSOR = 'move_to_rows'

export type MoveErrorCode = 'TARGET_NOT_EMPTY' | 'SCHEMA_DIFFERS' | 'COUNTS_DIFFER'

/** The move was refused or failed its check; the target's transaction was rolled back. */
export class MoveError extends Error {
  constructor(
    readonly code: MoveErrorCode,
    message: string,
  ) {
    super(message)
  }
}

/** Stopped by the signal; the target's transaction was rolled back. */
export class MoveStopped extends Error {
  constructor() {
    super('stopped before the commit')
  }
}

export interface MoveProgress {
  /** The table being copied. */
  table: string
  /** Rows copied so far, every table together. */
  copied: number
  /** Rows to copy, every table together. */
  total: number
}

export interface MoveOptions {
  batchRows?: number
  /** Stops at the next batch and rolls the target back. */
  signal?: AbortSignal
  /** After each batch. */
  onProgress?: (progress: Readonly<MoveProgress>) => void
  /** The migrations the target gets (default: the project's). */
  migrations?: Migration[]
}

export interface MoveReport {
  /** Every table copied, in the order copied, with its rows. */
  tables: Array<{ name: string; rows: number }>
  rows: number
  /** The migrations applied to the target (all of them, for an empty database). */
  migrationsApplied: string[]
}

export async function moveToPostgres(
  source: Database,
  target: Database,
  options: MoveOptions = {},
): Promise<MoveReport> {
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS
  const migrations = options.migrations ?? (await loadMigrations())
  const stopIfAsked = () => {
    if (options.signal?.aborted) throw new MoveStopped()
  }
  return source.transaction(async (from) => {
    await from.exec(SOURCE_SETTINGS)
    const tables = (await readTableCatalog(from)).filter((t) => t.name !== MIGRATIONS_TABLE)
    const sourceVersions = await migrationVersions(from)
    const counts = await countRows(from, tables)
    const total = [...counts.values()].reduce((sum, n) => sum + n, 0)
    return target.transaction(
      async (to) => {
        stopIfAsked() // a Ctrl-C while the databases were being opened
        await to.exec(TARGET_SETTINGS)
        // Before migrating: a Logon database in use is refused before its schema is touched.
        await refuseRows(to, tables)
        const migrationsApplied = await applyMigrations(to, migrations)
        await to.exec(TARGET_SETTINGS) // the migrations lifted the lock timeout
        await checkSameSchema(to, tables, sourceVersions)
        // Nobody writes beside the copy (a server started on the target waits at its
        // migrations for the advisory lock, held until the commit); and checked again
        // under the lock, as rows may have come since the first check.
        await to.exec(
          `LOCK TABLE ${tables.map((t) => q(t.name)).join(', ')} IN SHARE ROW EXCLUSIVE MODE`,
        )
        await refuseRows(to, tables)
        let copied = 0
        for (const table of tables) {
          await copyRows(from, to, table, batchRows, (rows) => {
            copied += rows
            options.onProgress?.({ table: table.name, copied, total })
            stopIfAsked()
          })
        }
        for (const table of tables) await moveSequences(from, to, table)
        await checkCounts(to, tables, counts)
        stopIfAsked()
        return {
          tables: tables.map((t) => ({ name: t.name, rows: counts.get(t.name) ?? 0 })),
          rows: total,
          migrationsApplied,
        }
      },
      { timeoutMs: STATEMENT_TIMEOUT_MS },
    )
  })
}

async function migrationVersions(db: Queryable): Promise<number[]> {
  const rows = await db.query<{ version: number }>(
    `SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`,
  )
  return rows.map((row) => row.version)
}

async function countRows(db: Queryable, tables: TableShape[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>()
  for (const table of tables) {
    const [row] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${q(table.name)}`)
    counts.set(table.name, Number(row?.n ?? 0))
  }
  return counts
}

/** TARGET_NOT_EMPTY when any of the tables exists on the target with a row in it. */
async function refuseRows(db: Queryable, tables: TableShape[]): Promise<void> {
  const existing = await db.query<{ name: string }>(
    'SELECT name FROM unnest($1::text[]) AS name WHERE to_regclass(quote_ident(name)) IS NOT NULL',
    [tables.map((t) => t.name)],
  )
  if (existing.length === 0) return
  const withRows = await db.query<{ name: string }>(
    existing
      .map(({ name }, i) => `SELECT $${i + 1}::text AS name WHERE EXISTS (SELECT FROM ${q(name)})`)
      .join(' UNION ALL '),
    existing.map(({ name }) => name),
  )
  if (withRows.length > 0) {
    throw new MoveError(
      'TARGET_NOT_EMPTY',
      `it already holds Logon data (rows in ${withRows.map((r) => r.name).join(', ')}): ` +
        'move-to copies into an empty database only',
    )
  }
}

/** SCHEMA_DIFFERS unless both sides have the same migrations and every table's columns. */
async function checkSameSchema(
  to: Queryable,
  tables: TableShape[],
  sourceVersions: number[],
): Promise<void> {
  const targetVersions = new Set(await migrationVersions(to))
  const unknown = sourceVersions.filter((version) => !targetVersions.has(version))
  if (unknown.length > 0) {
    throw new MoveError(
      'SCHEMA_DIFFERS',
      `the embedded database has migrations this version of Logon does not (${unknown.join(', ')}): ` +
        'run move-to with the version that made it',
    )
  }
  const targetTables = new Map((await readTableCatalog(to)).map((t) => [t.name, t]))
  for (const table of tables) {
    const other = targetTables.get(table.name)
    const shape = (t: TableShape) =>
      t.columns
        .map((c) => `${c.name} ${c.type}`)
        .sort()
        .join(', ')
    if (!other || shape(other) !== shape(table)) {
      throw new MoveError(
        'SCHEMA_DIFFERS',
        `the table ${table.name} is not the same on both sides after the migrations ` +
          `(embedded: ${shape(table)}; target: ${other ? shape(other) : 'none'})`,
      )
    }
  }
}

/** One table's rows, a batch at a time; `onBatch` after each with its row count. */
async function copyRows(
  from: Queryable,
  to: Queryable,
  table: TableShape,
  batchRows: number,
  onBatch: (rows: number) => void,
): Promise<void> {
  const { columns } = table
  const order = table.primaryKey.length > 0 ? ` ORDER BY ${table.primaryKey.map(q).join(', ')}` : ''
  await from.exec(
    `DECLARE ${CURSOR} NO SCROLL CURSOR FOR SELECT ` +
      columns.map((c, i) => `${q(c.name)}::text AS c${i}`).join(', ') +
      ` FROM ${q(table.name)}${order}`,
  )
  // One text[] parameter per column, unnested side by side into rows and cast back.
  // OVERRIDING SYSTEM VALUE: an identity column keeps the id it has.
  const insert =
    `INSERT INTO ${q(table.name)} (${columns.map((c) => q(c.name)).join(', ')}) ` +
    'OVERRIDING SYSTEM VALUE SELECT ' +
    columns.map((c, i) => `c${i}::${c.type}`).join(', ') +
    ` FROM unnest(${columns.map((_, i) => `$${i + 1}::text[]`).join(', ')})` +
    ` AS given (${columns.map((_, i) => `c${i}`).join(', ')})`
  for (;;) {
    const rows = await from.query<Record<string, string | null>>(
      `FETCH ${batchRows} FROM ${CURSOR}`,
    )
    if (rows.length === 0) break
    await to.query(
      insert,
      columns.map((_, i) => rows.map((row) => row[`c${i}`] ?? null)),
    )
    onBatch(rows.length)
  }
  await from.exec(`CLOSE ${CURSOR}`)
}

/**
 * An identity column's sequence where the source's is (or at the highest id copied,
 * whichever is further), so that new rows get ids the old ones never had. setval is
 * not undone by a rollback: it comes after the copy, just before the commit, and a
 * sequence the transaction created goes with the rollback anyway.
 */
async function moveSequences(from: Queryable, to: Queryable, table: TableShape): Promise<void> {
  for (const column of table.columns.filter((c) => c.identity)) {
    const [source] = await from.query<{ last: string | null }>(
      'SELECT pg_sequence_last_value(pg_get_serial_sequence($1, $2)::regclass)::text AS last',
      [q(table.name), column.name],
    )
    await to.query(
      `SELECT setval(pg_get_serial_sequence($1, $2), top)
         FROM (SELECT GREATEST($3::bigint, max(${q(column.name)})) AS top FROM ${q(table.name)}) AS copied
        WHERE top IS NOT NULL`,
      [q(table.name), column.name, source?.last ?? null],
    )
  }
}

/** COUNTS_DIFFER unless every table holds on the target the rows it holds on the source. */
async function checkCounts(
  to: Queryable,
  tables: TableShape[],
  expected: Map<string, number>,
): Promise<void> {
  const copied = await countRows(to, tables)
  const differ = tables.filter((t) => copied.get(t.name) !== expected.get(t.name))
  if (differ.length > 0) {
    throw new MoveError(
      'COUNTS_DIFFER',
      'the row counts differ after the copy (' +
        differ
          .map((t) => `${t.name}: ${expected.get(t.name)} embedded, ${copied.get(t.name)} copied`)
          .join('; ') +
        ')',
    )
  }
}
