import pg from 'pg'
import { DatabaseUnavailableError, type Database, type Queryable } from './database.js'

// Timeouts chosen so a database that stops answering turns into a 503 within the
// 5 s of CONTRACT.md: at most 2 s to get a connection, 2.5 s for one statement.
const CONNECT_TIMEOUT_MS = 2_000
const QUERY_TIMEOUT_MS = 2_500

// int8 as a JavaScript number, as in the PGlite driver.
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
}

/**
 * Errors that mean "the server is gone or unreachable", as opposed to an error in
 * a statement: socket errors, pool and query timeouts, and the SQLSTATE classes 08
 * (connection exception), 57P (operator intervention: shutdown, crash recovery)
 * and 53 (insufficient resources, e.g. too many connections).
 */
function isConnectionFailure(error: unknown): boolean {
  const err = error as { code?: unknown; message?: unknown } | null
  const code = typeof err?.code === 'string' ? err.code : ''
  if (/^(08|57P|53)/.test(code)) return true
  if (
    /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)$/.test(code)
  )
    return true
  const message = typeof err?.message === 'string' ? err.message : ''
  return /timeout|terminated|Connection ended|not queryable/i.test(message)
}

function translate(error: unknown): unknown {
  return isConnectionFailure(error) ? new DatabaseUnavailableError({ cause: error }) : error
}

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      try {
        const result = await client.query(sql, params as unknown[])
        return result.rows as Row[]
      } catch (error) {
        throw translate(error)
      }
    },
    async exec(sql: string) {
      try {
        await client.query(sql)
      } catch (error) {
        throw translate(error)
      }
    },
  }
}

export interface PostgresOptions {
  /** Extra server settings for every connection, e.g. a test's search_path. */
  options?: string
  max?: number
  onError?: (error: Error) => void
}

export function openPostgresDatabase(url: string, opts: PostgresOptions = {}): Database {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    options: opts.options,
    types: typeParsers,
  })
  // An idle client whose server goes away emits 'error' on the pool; unhandled, it
  // would end the process. The pool drops that client and makes a new one later.
  pool.on('error', (error) => opts.onError?.(error))
  const base = wrap(pool)
  return {
    engine: 'postgres',
    ...base,
    async transaction(fn) {
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (error) {
        throw translate(error)
      }
      const tx = wrap(client)
      try {
        await tx.exec('BEGIN')
        const result = await fn(tx)
        await tx.exec('COMMIT')
        client.release()
        return result
      } catch (error) {
        // A lost connection cannot roll back (the server does that when the socket
        // dies); waiting for a ROLLBACK would double the time to the 503. Destroy it.
        if (error instanceof DatabaseUnavailableError) {
          client.release(error)
          throw error
        }
        // A client whose ROLLBACK fails is broken: destroy it rather than reuse it.
        const rollbackFailure = await client.query('ROLLBACK').then(
          () => undefined,
          (e: Error) => e,
        )
        client.release(rollbackFailure ?? undefined)
        throw error
      }
    },
    async ping() {
      await base.query('SELECT 1')
    },
    close: () => pool.end(),
  }
}
