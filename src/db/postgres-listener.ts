import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import type { NotificationHandlers, Subscription } from './database.js'
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
