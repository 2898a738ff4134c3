import type { FastifyInstance } from 'fastify'
import net from 'node:net'
import { setTimeout as sleep } from 'node:timers/promises'

// How the HTTP server stops (docs/contract.md: stop accepting, finish in-flight
// requests, close the database, exit 0 within 10 s) without cutting off a request a
// client has already sent.
//
// Fastify's close (Node's server.close()) closes the listener and, in the same step,
// destroys every keep-alive connection that sits between two requests: a client that
// has just written its next request on one gets a reset (ECONNRESET, "socket hang
// up") for a request it cannot know was never read, so it cannot tell whether to send
// it again; and a request that still reaches an open connection gets Fastify's 503
// (return503OnClosing). Behind a proxy, both are failed requests in a rolling restart.
//
// So the listener alone closes first: a new connection is refused at connect, which a
// client or a proxy (nginx's proxy_next_upstream error) safely tries elsewhere. (One
// the kernel had queued but Node not yet accepted is reset as the listener closes: it
// was never read, and docs/deploy.md has the setting that has nginx retry it.) From
// then on every answer carries `Connection: close`, the answers of requests already
// under way included (closeConnectionsWhenDraining), so each client leaves its
// connection after its next answer. Once no connection is left, or after
// LAME_DUCK_MS, Fastify's close destroys the connections still idle (clients that
// sent nothing all that time), waits for the requests in flight and runs the onClose
// hooks, the database last.

const LAME_DUCK_MS = 1_000
const CONNECTIONS_POLL_MS = 20
// app.close() waits for every request in progress, even one whose client sends its
// body a byte a second: such clients are cut off in time for the database to close.
const CUT_SLOW_CLIENTS_AFTER_MS = 6_000

// The apps whose close has begun: every answer they send from then on closes its
// connection, also the answer of a request that began before the signal.
const draining = new WeakSet<FastifyInstance>()

/**
 * In buildApp, before the routes: once closeGracefully has begun, each answer carries
 * `Connection: close`, so that no client is left on a kept-alive connection that
 * Fastify's close would then answer with a 503 or destroy.
 */
export function closeConnectionsWhenDraining(app: FastifyInstance): void {
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining.has(app)) reply.header('connection', 'close')
    done(null, payload)
  })
}

function openConnections(server: net.Server): Promise<number> {
  return new Promise((resolve) =>
    server.getConnections((error, count) => resolve(error ? 0 : count)),
  )
}

export async function closeGracefully(app: FastifyInstance): Promise<void> {
  const server = app.server
  const cutSlowClients = setTimeout(() => server.closeAllConnections(), CUT_SLOW_CLIENTS_AFTER_MS)
  try {
    if (server.listening) {
      // net's close, not http's: http's would also destroy the idle connections now.
      net.Server.prototype.close.call(server)
      // Every answer from here on has `Connection: close` (closeConnectionsWhenDraining).
      draining.add(app)
      const until = Date.now() + LAME_DUCK_MS
      while (Date.now() < until && (await openConnections(server)) > 0) {
        await sleep(CONNECTIONS_POLL_MS)
      }
    }
    await app.close()
  } finally {
    clearTimeout(cutSlowClients)
  }
}
