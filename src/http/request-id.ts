import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'

// Every request has an id (docs/contract.md "Logs"): in every log line of the request
// (Fastify's `reqId`) and in the answer's X-Request-Id, so an operator can find the
// lines of one answer a person reports. Behind a proxy (TRUST_PROXY) the proxy's own
// X-Request-Id is kept, so its log and Logon's tell of the same request; otherwise a
// client could write it, and it is not read. A value that is not a plain token (too
// long, spaces, control characters) is replaced: it would land in every log line.

const REQUEST_ID_HEADER = 'x-request-id'
const PLAIN_TOKEN = /^[\w.:@+/=-]{1,128}$/

export function requestIdOptions(
  trustProxy: boolean,
): Pick<FastifyServerOptions, 'genReqId' | 'requestIdHeader'> {
  return {
    requestIdHeader: false, // read below, and only from a proxy
    genReqId(request: IncomingMessage) {
      const given = trustProxy ? request.headers[REQUEST_ID_HEADER] : undefined
      return typeof given === 'string' && PLAIN_TOKEN.test(given) ? given : randomUUID()
    },
  }
}

/** Says each answer's id in X-Request-Id (errors included: set before any handler runs). */
export function answerRequestIds(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_HEADER, request.id)
    done()
  })
}
