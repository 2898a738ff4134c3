import type { FastifyInstance } from 'fastify'
import type { Database } from '../../db/database.js'
import { translatorFor } from '../pages.js'
import { VARY_BY_LANGUAGE } from '../language.js'

// /readyz answers within the contract's 5 s even when the database hangs.
const READY_TIMEOUT_MS = 2_000

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

export async function healthRoutes(app: FastifyInstance, { db }: { db: Database }) {
  app.get('/healthz', async (request, reply) =>
    reply.header('cache-control', 'no-store').send('ok'),
  )

  app.get('/readyz', async (request, reply) => {
    // The refusal is in the reader's language (the word "ready" is the same in all).
    reply.header('cache-control', 'no-store').header('vary', VARY_BY_LANGUAGE)
    try {
      await withTimeout(db.ping(), READY_TIMEOUT_MS)
      return reply.send(translatorFor(request)('health.ready'))
    } catch (error) {
      request.log.warn({ err: error }, 'database not ready')
      return reply.code(503).send(translatorFor(request)('health.notReady'))
    }
  })
}
