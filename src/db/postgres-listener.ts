import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import {
  ListenThroughPoolerError,
  type NotificationHandlers,
  type Subscription,
} from './database.js'
import { translateError } from './postgres-errors.js'
import { QUERY_TIMEOUT_MS } from './postgres-timeouts.js'

const LISTENER_CLOSE_TIMEOUT_MS = 1_000

/** A connection of its own for LISTEN, outside the pool, so it stays subscribed. */
export async function listenOn(
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
    await refusePooler(client)
    await client.query(`LISTEN ${client.escapeIdentifier(channel)}`)
    listening = true
  } catch (error) {
    closing = true
    await client.end().catch(() => {})
    throw translateError(error)
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
              throw translateError(error)
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

/**
 * Through a transaction pooler, LISTEN holds on whichever server connection ran it, and
 * that connection's notifications reach whoever the pooler lends it to next. Some still
 * come back (PgBouncer 1.18, pool of 2, with traffic beside it: 24 of 100 reached a
 * LISTEN made through it), heartbeats among them, so the change feed would count as
 * current while other instances' changes went elsewhere. A pooler answers the start-up
 * with a cancel key of its own, whose process id is not the server process's; a direct
 * connection's is.
 */
async function refusePooler(client: pg.Client): Promise<void> {
  const announced = (client as unknown as { processID: number | null }).processID
  const { rows } = await client.query<{ pid: number }>({
    text: 'SELECT pg_backend_pid() AS pid',
    query_timeout: QUERY_TIMEOUT_MS,
  } as pg.QueryConfig)
  const pid = rows[0]?.pid
  if (pid !== announced) {
    throw new ListenThroughPoolerError(
      `a connection pooler answers for the server (server process ${pid}, announced as ${announced}), and a LISTEN through it hears nothing reliably`,
    )
  }
}
