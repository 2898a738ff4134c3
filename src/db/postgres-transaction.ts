import type pg from 'pg'
import { DatabaseUnavailableError, type Queryable, type TransactionOptions } from './database.js'
import { translateError } from './postgres-errors.js'
import { QUERY_TIMEOUT_MS, runStatement } from './postgres-timeouts.js'

/**
 * One transaction on a connection of its own; `fn`'s statements run on it alone.
 * Committed when `fn` resolves, rolled back when it throws. (Database.transaction
 * adds the afterCommit hooks around it.) `begin` opens it (postgres-timeouts.ts's
 * beginStatement).
 */
export async function runTransaction<T>(
  pool: pg.Pool,
  fn: (tx: Queryable) => Promise<T>,
  options: TransactionOptions,
  begin: string,
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? QUERY_TIMEOUT_MS
  let client: pg.PoolClient
  try {
    client = await pool.connect()
  } catch (error) {
    throw translateError(error)
  }
  // pg-pool takes its own 'error' listener off a connection it hands out. A server
  // that ends this one between two statements (a fast shutdown, a restart, a
  // terminated backend) makes the client emit 'error' then, and an 'error' nobody
  // hears ends the process. Heard here, it leaves the client unusable: the next
  // statement fails as "not queryable", which is a 503, and the client is destroyed.
  // The listener stays on a destroyed client for the errors its end may still emit.
  const heard = () => {}
  client.on('error', heard)
  const giveBack = () => {
    client.off('error', heard)
    client.release()
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
      return (await runStatement(client, sql, params, timeoutMs)).rows as Row[]
    },
    async exec(sql: string) {
      ensureOpen()
      await runStatement(client, sql, undefined, timeoutMs)
    },
  }
  try {
    await runStatement(client, begin, undefined, timeoutMs)
    const result = await fn(tx)
    open = false
    // After a failed statement the server answers COMMIT with ROLLBACK, silently.
    const commit = await runStatement(client, 'COMMIT', undefined, timeoutMs)
    if (commit.command !== 'COMMIT')
      throw new Error('Transaction was rolled back instead of committed')
    giveBack()
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
    const rollbackFailure = await runStatement(client, 'ROLLBACK', undefined, timeoutMs).then(
      () => undefined,
      (e: Error) => e,
    )
    if (rollbackFailure) client.release(rollbackFailure)
    else giveBack()
    throw error
  }
}
