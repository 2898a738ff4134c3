import type pg from 'pg'
import type { Queryable } from './database.js'
import { translateError } from './postgres-errors.js'

// Timeouts chosen so a database that stops answering turns into a 503 within the
// 5 s of docs/contract.md: at most 2 s to get a connection, 2.5 s for one statement.
// The server cancels a statement itself after 2 s (statement_timeout, lock_timeout):
// a statement given up on only by the client could still commit after the 503.
export const CONNECT_TIMEOUT_MS = 2_000
const SERVER_STATEMENT_TIMEOUT_MS = 2_000
export const QUERY_TIMEOUT_MS = 2_500

/**
 * Where the server-side timeouts are set: in the startup options of every connection,
 * or, through a connection pooler that refuses startup options (PgBouncer forwards
 * only a few settings), at the start of every transaction; statements outside one
 * then have only the limits of the server's own settings (serverTimeoutsMissing).
 */
export type ServerTimeouts = 'startup' | 'transaction'

const TIMEOUT_SETTINGS = ['statement_timeout', 'lock_timeout'] as const

/**
 * Startup options for every connection: the server-side timeouts (unless set per
 * transaction), then whatever the URL's own `options` parameter and the caller ask
 * for. node-postgres lets a URL's `options` replace the pool's, so it is moved out of
 * the URL and merged. (Migrations lift both limits with SET LOCAL.)
 */
export function withServerTimeouts(
  url: string,
  extra: string | undefined,
  serverTimeouts: ServerTimeouts = 'startup',
) {
  const timeouts =
    serverTimeouts === 'startup'
      ? TIMEOUT_SETTINGS.map((name) => `-c ${name}=${SERVER_STATEMENT_TIMEOUT_MS}`).join(' ')
      : undefined
  const join = (...parts: Array<string | null | undefined>) =>
    parts.filter(Boolean).join(' ') || undefined
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return { connectionString: url, options: join(timeouts, extra) }
  }
  const fromUrl = parsed.searchParams.get('options')
  parsed.searchParams.delete('options')
  return { connectionString: parsed.toString(), options: join(timeouts, fromUrl, extra) }
}

/** What opens a transaction: BEGIN, with the timeouts when no startup option set them. */
export function beginStatement(serverTimeouts: ServerTimeouts): string {
  if (serverTimeouts === 'startup') return 'BEGIN'
  // One simple query, so one round trip, as BEGIN alone.
  const limits = TIMEOUT_SETTINGS.map(
    (name) => `SET LOCAL ${name} = ${SERVER_STATEMENT_TIMEOUT_MS}`,
  )
  return ['BEGIN', ...limits].join('; ')
}

/**
 * The timeout settings a statement outside a transaction runs without (off, or longer
 * than Logon's): none on a direct connection, which sets them at startup.
 */
export async function serverTimeoutsMissing(db: Queryable): Promise<string[]> {
  const rows = await db.query<{ name: string; ms: number }>(
    'SELECT name, setting::int AS ms FROM pg_settings WHERE name = ANY($1)',
    [TIMEOUT_SETTINGS],
  )
  return TIMEOUT_SETTINGS.filter((name) => {
    const ms = rows.find((row) => row.name === name)?.ms ?? 0
    return ms === 0 || ms > SERVER_STATEMENT_TIMEOUT_MS
  })
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
