import pg from 'pg'
import {
  withCommitHooks,
  type Database,
  type Transaction,
  type TransactionOptions,
} from './database.js'
import { listenOn } from './postgres-listener.js'
import {
  beginStatement,
  CONNECT_TIMEOUT_MS,
  QUERY_TIMEOUT_MS,
  runStatement,
  withServerTimeouts,
  type ServerTimeouts,
} from './postgres-timeouts.js'
import { runTransaction } from './postgres-transaction.js'
import { typeParsers } from './postgres-types.js'

// The node-postgres driver (DATABASE_URL): a pool for statements and transactions,
// and a connection of its own per LISTEN (to listenUrl when the pool goes through a
// transaction pooler: docs/deploy.md "PgBouncer"). Its parts: postgres-types.ts (rows as
// PGlite returns them), postgres-errors.ts (what counts as the server being gone),
// postgres-timeouts.ts, postgres-transaction.ts and postgres-listener.ts.

export interface PostgresOptions {
  /** Extra server settings for every connection, e.g. a test's search_path. */
  options?: string
  max?: number
  onError?: (error: Error) => void
  /**
   * Where LISTEN connects (DATABASE_LISTEN_URL): a direct connection to the database
   * `url` leads to, when `url` is a transaction pooler's. Default: `url`.
   */
  listenUrl?: string
  /** 'transaction' when `url` refuses startup options (a pooler); default 'startup'. */
  serverTimeouts?: ServerTimeouts
}

function clientConfigFor(url: string, extra: string | undefined, timeouts: ServerTimeouts) {
  const { connectionString, options } = withServerTimeouts(url, extra, timeouts)
  return {
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    options,
    types: typeParsers,
  } satisfies pg.ClientConfig
}

export function openPostgresDatabase(url: string, opts: PostgresOptions = {}): Database {
  const serverTimeouts = opts.serverTimeouts ?? 'startup'
  const clientConfig = clientConfigFor(url, opts.options, serverTimeouts)
  // LISTEN and the heartbeats need no server-side timeouts (the client's bound them),
  // and without them a pooler named here by mistake is let in, to be named by the
  // listener's check (postgres-listener.ts) rather than refused for its options.
  const listenConfig = opts.listenUrl
    ? clientConfigFor(opts.listenUrl, opts.options, 'transaction')
    : clientConfig
  const begin = beginStatement(serverTimeouts)
  const pool = new pg.Pool({ ...clientConfig, max: opts.max ?? 10 })
  // An idle client whose server goes away emits 'error' on the pool; unhandled, it
  // would end the process. The pool drops that client and makes a new one later.
  pool.on('error', (error) => opts.onError?.(error))
  return {
    engine: 'postgres',
    async query<Row>(sql: string, params?: readonly unknown[]) {
      return (await runStatement(pool, sql, params, QUERY_TIMEOUT_MS)).rows as Row[]
    },
    async exec(sql: string) {
      await runStatement(pool, sql, undefined, QUERY_TIMEOUT_MS)
    },
    transaction: <T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}) =>
      withCommitHooks<T>((inner) => runTransaction(pool, inner, options, begin), fn),
    async ping() {
      await runStatement(pool, 'SELECT 1', undefined, QUERY_TIMEOUT_MS)
    },
    listen: (channel, handlers) => listenOn(listenConfig, channel, handlers),
    close: () => pool.end(),
    poolStats: () => ({
      total: pool.totalCount,
      idle: pool.idleCount,
      waiting: pool.waitingCount,
    }),
  }
}
