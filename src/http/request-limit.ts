import fastifyRateLimit, { type FastifyRateLimitStore } from '@fastify/rate-limit'
import type { FastifyInstance } from 'fastify'
import { LRUCache } from 'lru-cache'
import { clientAddressKey } from '../auth/client-address.js'
import type { LimitsPolicy } from '../config.js'
import { markRequestLimitRefusal } from '../metrics/metrics.js'

// A flood's first line (docs/contract.md "Limits"): at most
// REQUESTS_PER_ADDRESS_PER_MINUTE requests of any kind from one client address (an
// IPv4 address or an IPv6 /56, as the sign-in limits count), in a fixed minute, kept
// in this instance's memory. It is per instance on purpose: it costs no query, and it
// is no security boundary (behind N instances the budget is N times it); the sign-in,
// registration and second-factor limits, which are, are counted in the database. The
// health probes are never limited, so a flood cannot make an orchestrator restart the
// instance it floods.

const PROBES = new Set(['/healthz', '/readyz'])
// Addresses followed at once; past it the least recent is forgotten (a new budget).
const ADDRESSES_KEPT = 100_000

/**
 * The counts, one fixed window per address for every route together. In place of the
 * plugin's LocalStore (11.2.0), which hands each request the live count object and
 * reads it after an await: a burst in one tick then sees the whole burst's count, and
 * every request of it is refused, the first ones too.
 */
class FixedWindowStore implements FastifyRateLimitStore {
  private readonly windows = new LRUCache<string, { count: number; startedAt: number }>({
    max: ADDRESSES_KEPT,
  })
  incr(
    key: string,
    callback: (error: Error | null, result?: { current: number; ttl: number }) => void,
    timeWindow: number,
  ): void {
    const now = Date.now()
    let window = this.windows.get(key)
    if (!window || window.startedAt + timeWindow <= now) {
      window = { count: 0, startedAt: now }
      this.windows.set(key, window)
    }
    window.count += 1
    // A copy: what this request counted, whatever the next ones do.
    callback(null, { current: window.count, ttl: window.startedAt + timeWindow - now })
  }
  child(): FastifyRateLimitStore {
    return this
  }
}

/** The refusal, answered as a page or a problem by the error handler of its scope. */
export class TooManyRequestsError extends Error {
  readonly statusCode = 429
  readonly code = 'TOO_MANY_REQUESTS'
}

export async function requestLimit(app: FastifyInstance, limits: LimitsPolicy): Promise<void> {
  if (!limits.enabled) return
  await app.register(fastifyRateLimit, {
    global: true,
    store: FixedWindowStore,
    max: limits.requestsPerAddressPerMinute,
    timeWindow: 60_000,
    keyGenerator: (request) => clientAddressKey(request.ip),
    allowList: (request) => PROBES.has(request.url),
    // Only the refusal says when to come back; other answers carry no counters.
    addHeadersOnExceeding: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
    },
    addHeaders: {
      'x-ratelimit-limit': false,
      'x-ratelimit-remaining': false,
      'x-ratelimit-reset': false,
      'retry-after': true,
    },
    errorResponseBuilder: (request) => {
      markRequestLimitRefusal(request)
      return new TooManyRequestsError('too many requests from this address')
    },
  })
}
