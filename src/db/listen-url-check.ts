import { randomBytes } from 'node:crypto'
import { setTimeout as sleep } from 'node:timers/promises'
import { StartUpFailure } from '../start-up.js'
import { ListenThroughPoolerError, type Database } from './database.js'
import { describeServer } from './postgres-errors.js'

// DATABASE_LISTEN_URL is checked at start, as DATABASE_URL is, for the two mistakes
// that would otherwise pass unseen: a pooler's address (where LISTEN hears nothing
// reliably), and a database other than DATABASE_URL's. A listener there would hear
// its own heartbeats and none of the changes, so the caches would count as current
// and keep sessions that other instances revoked.

const ARRIVAL_TIMEOUT_MS = 3_000

/**
 * Resolves once a notification sent through the pool has reached `db`'s listening
 * connection. Throws a StartUpFailure naming DATABASE_LISTEN_URL for a pooler or for
 * another database; a connection that fails rejects with its own error.
 */
export async function checkListenUrl(db: Database, listenUrl: string): Promise<void> {
  const server = describeServer(listenUrl)
  const channel = `logon_listen_check_${randomBytes(8).toString('hex')}`
  let arrived!: () => void
  const arrival = new Promise<boolean>((resolve) => (arrived = () => resolve(true)))
  const subscription = await db
    .listen(channel, { onMessage: () => arrived(), onLost: () => {} })
    .catch((error: unknown) => {
      if (!(error instanceof ListenThroughPoolerError)) throw error
      throw new StartUpFailure(
        `DATABASE_LISTEN_URL: ${server} must be a direct connection to PostgreSQL: ${error.message}`,
        { cause: error },
      )
    })
  try {
    await db.query('SELECT pg_notify($1, $2)', [channel, 'check'])
    const heard = await Promise.race([arrival, sleep(ARRIVAL_TIMEOUT_MS, false, { ref: false })])
    if (!heard) {
      throw new StartUpFailure(
        `DATABASE_LISTEN_URL: a notification sent through DATABASE_URL did not reach ${server} ` +
          `within ${ARRIVAL_TIMEOUT_MS / 1000} s: both must lead to the same database`,
      )
    }
  } finally {
    await subscription.close()
  }
}
