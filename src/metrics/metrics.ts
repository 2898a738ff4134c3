import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { passwordHashingLoad } from '../auth/passwords.js'
import type { Database } from '../db/database.js'

// What an operator watches (docs/deploy.md "Metrics"), in Prometheus's text format,
// served on METRICS_PORT only (server.ts). Counted from the answers, in one onResponse
// hook: a route and its status say what happened (a sign-in's 303 or 401 or 429), so
// no rule of the product carries a line of metrics. The rest is read at scrape time.

/** Routes whose answers are sign-ins, and second steps of one. */
const SIGN_IN_ROUTES = new Set(['/login', '/api/v1/session', '/passkeys/sign-in'])
const SECOND_FACTOR_ROUTES = new Set(['/login/two-factor', '/api/v1/session/two-factor'])
const REGISTRATION_ROUTES = new Set(['/register', '/regist', '/api/v1/users'])

/** Requests refused by the per-address request limit (request-limit.ts marks them). */
const refusedByRequestLimit = new WeakSet<FastifyRequest>()
export function markRequestLimitRefusal(request: FastifyRequest): void {
  refusedByRequestLimit.add(request)
}

function signInOutcome(method: string, status: number, reply: FastifyReply): string | undefined {
  if (method !== 'POST') return undefined
  if (status === 429) return 'refused'
  if (status === 401) return 'failed'
  if (status === 403) return 'disabled' // the right password of an account an operator disabled
  if (status === 202) return 'second_step'
  if (status === 303) {
    const location = String(reply.getHeader('location') ?? '')
    return location.startsWith('/login/two-factor') ? 'second_step' : 'signed_in'
  }
  if (status === 200 || status === 201) return 'signed_in' // the passkey's JSON, the API's 201
  return undefined
}

function secondFactorOutcome(method: string, status: number): string | undefined {
  if (method !== 'POST') return undefined
  if (status === 303 || status === 201) return 'signed_in'
  if (status === 401) return 'wrong_or_expired'
  if (status === 400) return 'malformed'
  if (status === 429) return 'refused'
  return undefined
}

export interface Metrics {
  readonly registry: Registry
}

/** Registers the counters and the hook that feeds them; reads the rest from `db` at scrape. */
export function collectMetrics(app: FastifyInstance, db: Database): Metrics {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry }) // event-loop delay, heap, CPU, handles
  const requests = new Histogram({
    name: 'logon_http_request_duration_seconds',
    help: 'Answers by route (the pattern, not the address), method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  })
  const signIns = new Counter({
    name: 'logon_sign_ins_total',
    help: 'Password and passkey sign-ins by outcome (signed_in, second_step, failed, refused)',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const secondFactor = new Counter({
    name: 'logon_second_factor_attempts_total',
    help: 'Second steps of a sign-in by outcome',
    labelNames: ['outcome'],
    registers: [registry],
  })
  const refusals = new Counter({
    name: 'logon_limit_refusals_total',
    help: 'Answers 429 by the limit that refused them',
    labelNames: ['limit'],
    registers: [registry],
  })
  new Gauge({
    name: 'logon_password_hashes',
    help: 'Password hashes running and waiting in the line (hash-queue.ts)',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      const load = passwordHashingLoad()
      this.set({ state: 'running' }, load.running)
      this.set({ state: 'waiting' }, load.waiting)
    },
  })
  new Gauge({
    name: 'logon_sessions_active',
    help: 'Sessions of every instance not past their absolute end (idle ones until the purge)',
    registers: [registry],
    async collect() {
      // By the sessions' clock (the app's); idle-expired rows count until the purge.
      const [row] = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE expires_at > $1',
        [app.clock()],
      )
      this.set(row?.n ?? 0)
    },
  })

  const poolStats = db.poolStats?.bind(db)
  if (poolStats) {
    new Gauge({
      name: 'logon_db_pool_connections',
      help: "This instance's PostgreSQL pool: connections in use, idle, and requests waiting for one",
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const { total, idle, waiting } = poolStats()
        this.set({ state: 'in_use' }, total - idle)
        this.set({ state: 'idle' }, idle)
        this.set({ state: 'waiting' }, waiting)
      },
    })
  }

  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched'
    const status = reply.statusCode
    const labels = { route, method: request.method, status: String(status) }
    requests.observe(labels, reply.elapsedTime / 1000)
    if (status === 429) {
      const limit = refusedByRequestLimit.has(request)
        ? 'requests'
        : SIGN_IN_ROUTES.has(route)
          ? 'sign_in'
          : SECOND_FACTOR_ROUTES.has(route)
            ? 'second_factor'
            : REGISTRATION_ROUTES.has(route)
              ? 'registration'
              : 'other'
      refusals.inc({ limit })
    }
    if (!refusedByRequestLimit.has(request)) {
      const signIn = SIGN_IN_ROUTES.has(route)
        ? signInOutcome(request.method, status, reply)
        : undefined
      if (signIn) signIns.inc({ outcome: signIn })
      const step = SECOND_FACTOR_ROUTES.has(route)
        ? secondFactorOutcome(request.method, status)
        : undefined
      if (step) secondFactor.inc({ outcome: step })
    }
    done()
  })
  return { registry }
}

/** What the change feed tells the metrics (src/cache/caches.ts). */
export interface ChangeFeedFreshness {
  isCurrent(): boolean
  heartbeatAgeMs(): number
}

/**
 * The change feed's freshness, read at scrape: a feed that is not fresh leaves every
 * request to the database (correct, but slower), as through a transaction pooler
 * without DATABASE_LISTEN_URL.
 */
export function collectChangeFeedMetrics(metrics: Metrics, feed: ChangeFeedFreshness): void {
  new Gauge({
    name: 'logon_change_feed_heartbeat_age_seconds',
    help: 'Age of the newest heartbeat that came back through the change notifications (+Inf: none); kept sessions and member pages are used only below 0.75',
    registers: [metrics.registry],
    collect() {
      this.set(feed.heartbeatAgeMs() / 1000)
    },
  })
  new Gauge({
    name: 'logon_change_feed_fresh',
    help: '1 while kept sessions and member pages are used, 0 while every request reads the database',
    registers: [metrics.registry],
    collect() {
      this.set(feed.isCurrent() ? 1 : 0)
    },
  })
}
