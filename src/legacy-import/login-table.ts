import pg from 'pg'
import { describeServer, messageOf } from '../db/postgres-errors.js'
import type { LegacyLogin, LegacySource } from './source.js'
import { checkLegacyUrl, LegacySourceError, readFailed } from './source-error.js'

// The original app's `login(username, password)` table on its PostgreSQL server,
// read through server-side cursors a batch at a time, so a table of any size costs
// one batch of memory. Both passes of the import run in one read-only
// REPEATABLE READ transaction: they see the same rows even while the old app runs.

export const LEGACY_BATCH_SIZE = 500
const CONNECT_TIMEOUT_MS = 10_000
// The rows of a batch are hashed between two FETCHes, so the transaction sits idle
// for seconds at a time: a server-wide idle_in_transaction_session_timeout must
// not end it. A lock held by someone else (an ALTER TABLE) is not waited for forever.
const SESSION_SETTINGS =
  "SET LOCAL idle_in_transaction_session_timeout = 0; SET LOCAL lock_timeout = '10s'"

export interface LegacyLoginTable extends LegacySource {
  close(): Promise<void>
}

export async function openLegacyLoginTable(
  url: string,
  { batchSize = LEGACY_BATCH_SIZE }: { batchSize?: number } = {},
): Promise<LegacyLoginTable> {
  checkLegacyUrl(url)
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    application_name: 'logon import-legacy',
  })
  // A connection lost while idle emits 'error' here (unhandled, it would end the
  // process); the next FETCH then fails and reports it.
  client.on('error', () => {})
  try {
    await client.connect()
  } catch (error) {
    await client.end().catch(() => {})
    throw new LegacySourceError(
      'LEGACY_UNREACHABLE',
      `cannot connect to ${describeServer(url)}: ${messageOf(error)}`,
      { cause: error },
    )
  }
  try {
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY')
    await client.query(SESSION_SETTINGS)
    return cursorReader(client, await columnExpressions(client), batchSize)
  } catch (error) {
    await client.end().catch(() => {})
    if (error instanceof LegacySourceError) throw error
    throw readFailed(error)
  }
}

/**
 * `username` and `password` as text. Columns of the string category (text,
 * varchar, char(n), citext) are cast to text, which drops char(n)'s padding as
 * PostgreSQL's own comparisons ignore it; any other type is read as it is, and the
 * import skips its rows as not text.
 */
type Columns = Record<'username' | 'password', string>

async function columnExpressions(client: pg.Client): Promise<Columns> {
  const {
    rows: [table],
  } = await client.query<{ oid: number | null; search_path: string }>(
    "SELECT to_regclass('login')::oid AS oid, current_setting('search_path') AS search_path",
  )
  if (!table?.oid) {
    throw new LegacySourceError(
      'LEGACY_TABLE_MISSING',
      `no table named login in the source database (search_path: ${table?.search_path ?? '?'})`,
    )
  }
  const { rows } = await client.query<{ attname: string; typcategory: string }>(
    `SELECT a.attname, t.typcategory
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
      WHERE a.attrelid = $1 AND a.attnum > 0 AND NOT a.attisdropped
        AND a.attname IN ('username', 'password')`,
    [table.oid],
  )
  const category = new Map(rows.map((row) => [row.attname, row.typcategory]))
  const expression = (column: keyof Columns) => {
    const type = category.get(column)
    if (type === undefined) {
      throw new LegacySourceError(
        'LEGACY_TABLE_MISSING',
        `the login table of the source database has no column ${column}`,
      )
    }
    return type === 'S' ? `${column}::text AS ${column}` : column
  }
  return { username: expression('username'), password: expression('password') }
}

function cursorReader(client: pg.Client, columns: Columns, batchSize: number): LegacyLoginTable {
  async function* fetchAll<Row>(cursor: string, select: string): AsyncGenerator<Row[]> {
    try {
      await client.query(`DECLARE ${cursor} NO SCROLL CURSOR FOR ${select}`)
      for (;;) {
        const { rows } = await client.query<Row & pg.QueryResultRow>(
          `FETCH ${batchSize} FROM ${cursor}`,
        )
        if (rows.length === 0) break
        yield rows
      }
      await client.query(`CLOSE ${cursor}`)
    } catch (error) {
      throw readFailed(error)
    }
  }
  return {
    async *usernames() {
      const select = `SELECT ${columns.username} FROM login`
      for await (const rows of fetchAll<{ username: unknown }>('legacy_usernames', select)) {
        yield rows.map((row) => row.username)
      }
    },
    logins: () =>
      fetchAll<LegacyLogin>(
        'legacy_logins',
        `SELECT ${columns.username}, ${columns.password} FROM login`,
      ),
    async close() {
      // Read only: nothing to commit. end() also when the connection is already gone.
      await client.query('ROLLBACK').catch(() => {})
      await client.end()
    },
  }
}
