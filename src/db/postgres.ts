import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import {
  DatabaseUnavailableError,
  type Database,
  type NotificationHandlers,
  type Queryable,
  type Subscription,
  type Transaction,
  type TransactionOptions,
  withCommitHooks,
} from './database.js'

// Timeouts chosen so a database that stops answering turns into a 503 within the
// 5 s of docs/contract.md: at most 2 s to get a connection, 2.5 s for one statement.
// The server cancels a statement itself after 2 s (statement_timeout, lock_timeout):
// a statement given up on only by the client could still commit after the 503.
const CONNECT_TIMEOUT_MS = 2_000
const SERVER_STATEMENT_TIMEOUT_MS = 2_000
const QUERY_TIMEOUT_MS = 2_500

// int8 (and int8[]) as JavaScript numbers, as the PGlite driver returns them.
const INT8_ARRAY_OID = 1016
const parseInt8 = (value: string) => Number(value)
const defaultParser = pg.types.getTypeParser as (
  oid: number,
  format?: string,
) => (value: string) => unknown
const parseInt8Array = (value: string) =>
  (defaultParser(INT8_ARRAY_OID, 'text')(value) as (string | null)[]).map((item) =>
    item === null ? null : Number(item),
  )
const typeParsers = {
  getTypeParser: ((oid: number, format?: string) => {
    if (oid === (pg.types.builtins.INT8 as number)) return parseInt8
    if (oid === INT8_ARRAY_OID) return parseInt8Array
    return defaultParser(oid, format)
  }) as typeof pg.types.getTypeParser,
}

/**
 * Errors that mean "the server is gone, unreachable or too slow", as opposed to an
 * error in a statement. An error that carries a SQLSTATE is judged by it alone (its message
 * may quote user input or a constraint name): classes 08 (connection exception),
 * 57P (shutdown, crash recovery) and 53 (insufficient resources, e.g. too many
 * connections). Without one: socket errors, and node-postgres's own pool and query
 * timeouts and lost-connection errors, which only have a message.
 */
function isConnectionFailure(error: unknown): boolean {
  const err = error as { code?: unknown; message?: unknown } | null
  const code = typeof err?.code === 'string' ? err.code : ''
  // 57014: cancelled by statement_timeout; 55P03: lock_timeout; 25006: a read-only
  // server, as during a failover.
  if (/^[0-9A-Z]{5}$/.test(code)) return /^(08|57P|53|57014$|55P03$|25006$)/.test(code)
  if (
    /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE|HOSTUNREACH|NETUNREACH|AI_AGAIN|NOTFOUND)$/.test(code)
  ) {
    return true
  }
  const message = typeof err?.message === 'string' ? err.message : ''
  return /timeout|terminated|Connection ended|not queryable/i.test(message)
}

function translate(error: unknown): unknown {
  return isConnectionFailure(error) ? new DatabaseUnavailableError({ cause: error }) : error
}

async function run(
  client: pg.Pool | pg.PoolClient,
  text: string,
  values: readonly unknown[] | undefined,
  timeoutMs: number,
): Promise<pg.QueryResult> {
  // node-postgres honours query_timeout per statement; its types do not list it.
  const config = { text, values: values as unknown[] | undefined, query_timeout: timeoutMs }
  try {
    return await client.query(config as pg.QueryConfig)
  } catch (error) {
    throw translate(error)
  }
}

export interface PostgresOptions {
  /** Extra server settings for every connection, e.g. a test's search_path. */
  options?: string
  max?: number
  onError?: (error: Error) => void
}

/**
 * Startup options for every connection: the server-side timeouts, then whatever
 * the URL's own `options` parameter and the caller ask for. node-postgres lets a
 * URL's `options` replace the pool's, so it is moved out of the URL and merged.
 * (Migrations lift both limits with SET LOCAL.)
 */
function withServerTimeouts(url: string, extra: string | undefined) {
  const timeouts = `-c statement_timeout=${SERVER_STATEMENT_TIMEOUT_MS} -c lock_timeout=${SERVER_STATEMENT_TIMEOUT_MS}`
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { connectionString: url, options: [timeouts, extra].filter(Boolean).join(' ') }
  }
  const fromUrl = parsed.searchParams.get('options')
  parsed.searchParams.delete('options')
  return {
    connectionString: parsed.toString(),
    options: [timeouts, fromUrl, extra].filter(Boolean).join(' '),
  }
}

const LISTENER_CLOSE_TIMEOUT_MS = 1_000

/** A connection of its own for LISTEN, outside the pool, so it stays subscribed. */
async function listenOn(
  config: pg.ClientConfig,
  channel: string,
  { onMessage, onLost }: NotificationHandlers,
): Promise<Subscription> {
  const client = new pg.Client(config)
  let closing = false
  let lost = false
  // Until LISTEN has answered, a failure is the rejection of this function.
  let listening = false
  const lose = (error: unknown) => {
    if (!listening || closing || lost) return
    lost = true
    onLost(error)
    client.end().catch(() => {})
  }
  client.on('error', lose)
  client.on('end', () => lose(new Error('Connection ended')))
  client.on('notification', (message) => {
    if (message.channel === channel) onMessage(message.payload ?? '')
  })
  try {
    await client.connect()
    await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    listening = true
  } catch (error) {
    closing = true
    await client.end().catch(() => {})
    throw translate(error)
  }
  let previous: Promise<void> = Promise.resolve()
  return {
    notify(to, payload) {
      // One statement at a time on this connection (node-postgres deprecates
      // queueing on a client): each waits for the one before.
      const sent = previous.then(() =>
        client
          .query({
            text: 'SELECT pg_notify($1, $2)',
            values: [to, payload],
            query_timeout: QUERY_TIMEOUT_MS,
          } as pg.QueryConfig)
          .then(
            () => {},
            (error: unknown) => {
              throw translate(error)
            },
          ),
      )
      previous = sent.catch(() => {})
      return sent
    },
    async close() {
      closing = true
      // end() waits for the server to close the socket; one that stopped answering
      // never does, and shutdown must not hang on it: after a second, cut it.
      let ended = false
      const ending = client.end().then(
        () => void (ended = true),
        () => void (ended = true),
      )
      await Promise.race([ending, sleep(LISTENER_CLOSE_TIMEOUT_MS, undefined, { ref: false })])
      if (!ended) {
        ;(
          client as unknown as { connection?: { stream?: { destroy(): void } } }
        ).connection?.stream?.destroy()
      }
    },
  }
}

export function openPostgresDatabase(url: string, opts: PostgresOptions = {}): Database {
  const { connectionString, options } = withServerTimeouts(url, opts.options)
  const clientConfig: pg.ClientConfig = {
    connectionString,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    query_timeout: QUERY_TIMEOUT_MS,
    keepAlive: true,
    options,
    types: typeParsers,
  }
  const pool = new pg.Pool({ ...clientConfig, max: opts.max ?? 10 })
  // An idle client whose server goes away emits 'error' on the pool; unhandled, it
  // would end the process. The pool drops that client and makes a new one later.
  pool.on('error', (error) => opts.onError?.(error))
  /** One transaction on a connection of its own; `fn`'s statements run on it alone. */
  async function runTransaction<T>(
    fn: (tx: Queryable) => Promise<T>,
    options: TransactionOptions,
  ): Promise<T> {
    const timeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS
    let client: pg.PoolClient
    try {
      client = await pool.connect()
    } catch (error) {
      throw translate(error)
    }
    // Once the transaction ends, its connection goes back to the pool: a kept
    // `tx` must not run statements inside somebody else's work.
    let open = true
    const ensureOpen = () => {
      if (!open) throw new Error('Transaction is closed')
    }
    const tx: Queryable = {
      async query<Row>(sql: string, params?: readonly unknown[]) {
        ensureOpen()
        return (await run(client, sql, params, timeoutMs)).rows as Row[]
      },
      async exec(sql: string) {
        ensureOpen()
        await run(client, sql, undefined, timeoutMs)
      },
    }
    try {
      await run(client, 'BEGIN', undefined, timeoutMs)
      const result = await fn(tx)
      open = false
      // After a failed statement the server answers COMMIT with ROLLBACK, silently.
      const commit = await run(client, 'COMMIT', undefined, timeoutMs)
      if (commit.command !== 'COMMIT')
        throw new Error('Transaction was rolled back instead of committed')
      client.release()
      return result
    } catch (error) {
      open = false
      // A lost connection cannot roll back (the server does that when the socket
      // dies); waiting for a ROLLBACK would double the time to the 503. Destroy it.
      if (error instanceof DatabaseUnavailableError) {
        client.release(error)
        throw error
      }
      // A client whose ROLLBACK fails is broken: destroy it rather than reuse it.
      const rollbackFailure = await run(client, 'ROLLBACK', undefined, timeoutMs).then(
        () => undefined,
        (e: Error) => e,
      )
      client.release(rollbackFailure ?? undefined)
      throw error
    }
  }
  return {
    engine: 'postgres',
    async query<Row>(sql: string, params?: readonly unknown[]) {
      return (await run(pool, sql, params, QUERY_TIMEOUT_MS)).rows as Row[]
    },
    async exec(sql: string) {
      await run(pool, sql, undefined, QUERY_TIMEOUT_MS)
    },
    transaction: <T>(fn: (tx: Transaction) => Promise<T>, options: TransactionOptions = {}) =>
      withCommitHooks<T>((inner) => runTransaction(inner, options), fn),
    async ping() {
      await run(pool, 'SELECT 1', undefined, QUERY_TIMEOUT_MS)
    },
    listen: (channel, handlers) => listenOn(clientConfig, channel, handlers),
    close: () => pool.end(),
  }
}
