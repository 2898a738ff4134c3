import type pg from 'pg'
import { translateError } from './postgres-errors.js'

// Timeouts chosen so a database that stops answering turns into a 503 within the
// 5 s of docs/contract.md: at most 2 s to get a connection, 2.5 s for one statement.
// The server cancels a statement itself after 2 s (statement_timeout, lock_timeout):
// a statement given up on only by the client could still commit after the 503.
export const CONNECT_TIMEOUT_MS = 2_000
const SERVER_STATEMENT_TIMEOUT_MS = 2_000
export const QUERY_TIMEOUT_MS = 2_500

/**
 * Startup options for every connection: the server-side timeouts, then whatever
 * the URL's own `options` parameter and the caller ask for. node-postgres lets a
 * URL's `options` replace the pool's, so it is moved out of the URL and merged.
 * (Migrations lift both limits with SET LOCAL.)
 */
export function withServerTimeouts(url: string, extra: string | undefined) {
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

/** One statement, given up on by the client after `timeoutMs`; its failure translated. */
export async function runStatement(
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
    throw translateError(error)
  }
}
