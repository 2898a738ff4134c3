// The one storage interface of Logon. Two drivers implement it:
// PGlite (embedded, the default) and node-postgres (DATABASE_URL). Both speak the
// same PostgreSQL dialect, so every query in the code base runs on either.

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>
}

export interface TransactionOptions {
  /**
   * How long one statement may take. Requests keep the short default, so a hung
   * database is a quick 503; migrations at start-up may wait for a lock or build
   * an index for longer.
   */
  timeoutMs?: number
}

/** The statements of one transaction. */
export interface Transaction extends Queryable {
  /**
   * Runs `fn` once the transaction has committed, before transaction() resolves; never
   * after a rollback. What memory keeps of rows the transaction changed is dropped
   * here: dropped before the commit, a request could read the old row again meanwhile
   * and keep it.
   */
  afterCommit(fn: () => void): void
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres'
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions): Promise<T>
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>
  /**
   * Receives the NOTIFY payloads of one channel, in commit order. With a server,
   * over a connection of its own: when that connection is lost, onLost is called
   * once and nothing more arrives (notifications sent meanwhile are gone). Rejects
   * with ListenThroughPoolerError when the connection cannot hold a LISTEN at all.
   */
  listen(channel: string, handlers: NotificationHandlers): Promise<Subscription>
  close(): Promise<void>
  /** A pool's connections (the metrics); none for the embedded engine, which has no pool. */
  poolStats?(): { total: number; idle: number; waiting: number }
}

/**
 * A driver's transaction with afterCommit added: `run` is the driver's own, which
 * commits when its callback resolves.
 */
export async function withCommitHooks<T>(
  run: (inner: (tx: Queryable) => Promise<T>) => Promise<T>,
  fn: (tx: Transaction) => Promise<T>,
): Promise<T> {
  const hooks: Array<() => void> = []
  let open = true
  const result = await run(async (tx) => {
    try {
      return await fn({
        query: (sql, params) => tx.query(sql, params),
        exec: (sql) => tx.exec(sql),
        afterCommit(hook) {
          // A hook added once the transaction is over would never run: a caller's bug.
          if (!open) throw new Error('afterCommit on a transaction that has ended')
          hooks.push(hook)
        },
      })
    } finally {
      open = false
    }
  })
  // Every hook runs, even after one throws (each drops something of its own); the
  // commit stands, and the failure is reported after them all, as a bug.
  const failures: unknown[] = []
  for (const hook of hooks) {
    try {
      hook()
    } catch (error) {
      failures.push(error)
    }
  }
  if (failures.length > 0) throw new AggregateError(failures, 'an afterCommit hook failed')
  return result
}

// Properties, not methods: the drivers pass them on as plain callbacks.
export interface NotificationHandlers {
  onMessage: (payload: string) => void
  onLost: (error: unknown) => void
}

export interface Subscription {
  /**
   * Sends a notification over the subscription's own connection (a server's pool
   * may be busy with requests; this connection never is).
   */
  notify(channel: string, payload: string): Promise<void>
  close(): Promise<void>
}

/**
 * The database could not be reached or stopped answering. Routes never catch it:
 * the error handler turns it into a short 503 (docs/contract.md).
 */
export class DatabaseUnavailableError extends Error {
  readonly code = 'DB_UNAVAILABLE'
  constructor(options?: { cause?: unknown }) {
    super('The database is not answering', options)
  }
}

/**
 * listen() was refused for good: its connection goes through a connection pooler
 * (PgBouncer in transaction mode), where a LISTEN lasts one statement on whichever
 * server connection ran it. Trying again cannot help; a direct connection can
 * (DATABASE_LISTEN_URL).
 */
export class ListenThroughPoolerError extends Error {
  readonly code = 'LISTEN_THROUGH_POOLER'
}

/** SQLSTATE 23505: a unique constraint refused the row. */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === '23505'
}
