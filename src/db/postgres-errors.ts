import { DatabaseUnavailableError } from './database.js'

// What node-postgres's errors mean to Logon: a lost or too slow server becomes
// DatabaseUnavailableError (a 503), any other error is the statement's own and stays
// as it is.

/**
 * Errors that mean "the server is gone, unreachable or too slow", as opposed to an
 * error in a statement. An error that carries a SQLSTATE is judged by it alone (its message
 * may quote user input or a constraint name): classes 08 (connection exception),
 * 57P (shutdown, crash recovery) and 53 (insufficient resources, e.g. too many
 * connections). Without one: socket errors, and node-postgres's own pool and query
 * timeouts and lost-connection errors, which only have a message.
 */
export function isConnectionFailure(error: unknown): boolean {
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

/** A connection failure as DatabaseUnavailableError (the original as its cause); others as they are. */
export function translateError(error: unknown): unknown {
  return isConnectionFailure(error) ? new DatabaseUnavailableError({ cause: error }) : error
}

/**
 * A server as a message may name it, `the database at db:5432`: host and port only,
 * as the URL may hold a password. `localhost` and 5432 when the URL leaves them out,
 * as node-postgres does.
 */
export function describeServer(url: string, what = 'the database'): string {
  try {
    const { hostname, port } = new URL(url)
    return `${what} at ${hostname || 'localhost'}:${port || 5432}`
  } catch {
    return what
  }
}

/** An error's message for a one-line report, never empty. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  // AggregateError (both ::1 and 127.0.0.1 refused) has an empty message.
  if (message) return message
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'unknown error'
}

/**
 * PgBouncer's answer to the startup options that set Logon's timeouts: it passes on
 * only a few settings, and refuses a connection that asks for others (08P01).
 */
export function isStartupOptionsRefusal(error: unknown): boolean {
  const cause = error instanceof DatabaseUnavailableError ? error.cause : error
  const err = cause as { code?: unknown; message?: unknown } | null
  return (
    err?.code === '08P01' &&
    typeof err.message === 'string' &&
    /unsupported startup parameter/i.test(err.message)
  )
}
