import fastifyCookie from '@fastify/cookie'
import fastifyFormbody from '@fastify/formbody'
import fastifyStatic from '@fastify/static'
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { AccountServices } from './auth/accounts.js'
import { deviceTokenKeys } from './auth/device-tokens.js'
import { DummyHashes } from './auth/dummy-hashes.js'
import type { PasswordAttemptContext } from './auth/password-attempts.js'
import { setPasswordHashThreads } from './auth/passwords.js'
import { longestLimitWindowSeconds } from './auth/expired-attempt-limits.js'
import { createMembers } from './auth/members.js'
import type { PasskeyServices } from './auth/passkeys.js'
import { TOUCH_FLUSH_INTERVAL_MS } from './auth/session-lifetime.js'
import { SessionTouches } from './auth/session-touches.js'
import { createSessions } from './auth/sessions.js'
import type { SecondFactorServices } from './auth/second-factor.js'
import { totpSecretKey } from './auth/totp-secrets.js'
import { startCaches, type Caches } from './cache/caches.js'
import type { Config } from './config.js'
import type { Database } from './db/database.js'
import type { DeviceCookieSettings } from './http/device-cookie.js'
import { edgeErrorHandlers, registerErrorHandlers } from './http/errors.js'
import { forgeryProtection } from './http/forgery.js'
import { API_PREFIX, apiRoutes } from './http/api/api.js'
import './http/request-context.js'
import { languageRoutes } from './http/language.js'
import { forwardAuthRoutes } from './http/routes/forward-auth.js'
import { closeConnectionsWhenDraining } from './http/graceful-close.js'
import { healthRoutes } from './http/routes/health.js'
import { accountChangeRoutes } from './http/routes/account-changes.js'
import { accountRoutes } from './http/routes/account.js'
import { homeRoutes } from './http/routes/home.js'
import { loginRoutes } from './http/routes/login.js'
import { loginTwoFactorRoutes } from './http/routes/login-two-factor.js'
import { twoFactorRoutes } from './http/routes/two-factor.js'
import { confirmationRoutes } from './http/reauthentication.js'
import { passkeyRoutes } from './http/routes/passkeys.js'
import { passwordResetRoutes } from './http/routes/password-reset.js'
import { registerRoutes } from './http/routes/register.js'
import { securityHeaders } from './http/security-headers.js'
import { sessionPlugin } from './http/session-plugin.js'
import { fastifyTrustProxy } from './http/trust-proxy.js'
import { answerRequestIds, requestIdOptions } from './http/request-id.js'
import { requestLimit } from './http/request-limit.js'
import { collectChangeFeedMetrics, collectMetrics, type Metrics } from './metrics/metrics.js'
import type { PageSessions } from './http/session-changes.js'
import { startHashCensus } from './jobs/hash-census.js'
import { startPurge } from './jobs/purge.js'

const BODY_LIMIT_BYTES = 64 * 1024 // docs/contract.md: a larger body gets 413
const HEADERS_TIMEOUT_MS = 5_000
const REQUEST_TIMEOUT_MS = 8_000
const PURGE_INTERVAL_MS = 60_000
const PUBLIC_DIR = fileURLToPath(new URL('../public/', import.meta.url))
// What each app keeps in memory, for whoever made the app (a test waits on it), and
// out of reach of the routes: no decoration a handler could find on request.server.
const cachesOfApps = new WeakMap<FastifyInstance, Caches>()

const metricsOfApps = new WeakMap<FastifyInstance, Metrics>()

/** The metrics of an app buildApp made, for main.ts to serve; undefined without METRICS_PORT. */
export function metricsOf(app: FastifyInstance): Metrics | undefined {
  return metricsOfApps.get(app)
}

/** The caches of an app buildApp made, or undefined when caching is off. */
export function cachesOf(app: FastifyInstance): Caches | undefined {
  return cachesOfApps.get(app)
}

const PICO_DIR = dirname(
  createRequire(import.meta.url).resolve('@picocss/pico/css/pico.classless.min.css'),
)
// @simplewebauthn/browser's UMD bundle, served as it ships (no build step): the pages
// with passkeys load it before public/passkeys.js (src/views/passkey-scripts.ts).
const SIMPLEWEBAUTHN_BROWSER_DIR = join(
  dirname(createRequire(import.meta.url).resolve('@simplewebauthn/browser')),
  '../dist/bundle',
)

export interface AppDependencies {
  config: Config
  db: Database
  /** Signs the anti-forgery cookie; see loadServerSecret. */
  secret: string
  /** The clock; tests move it to cross session limits without waiting. */
  now?: () => Date
  /**
   * Batch last_seen_at writes on a real-time timer (default true). Tests that move
   * a clock of their own turn it off, so each write lands within the request.
   */
  batchSessionTouches?: boolean
  /** A logger made by the caller (main.ts shares one with start-up); else one from config. */
  logger?: FastifyBaseLogger
  /**
   * Keep sessions and member pages in memory, fresh through the change feed
   * (default true). Tests that change rows behind the app's back turn it off.
   */
  cache?: boolean
}

/**
 * Logs never hold a password, a password hash or a session token. The request
 * serializer logs method, URL and addresses only, never headers or bodies; the
 * redaction is a second line for anything that logs a request, a reply or a database
 * error whole.
 */
export function loggerOptions(level: string): FastifyServerOptions['logger'] {
  return {
    level,
    redact: {
      paths: [
        'req.headers.cookie',
        'req.headers.authorization',
        'res.headers["set-cookie"]',
        '*.password',
        // Database errors: the statement and its parameters hold password hashes and
        // session secret hashes, and a constraint's detail the values it refused. The
        // PGlite wrapper strips them (pglite.ts); this is the second line.
        '*.params',
        '*.query',
        '*.queryOptions',
        '*.detail',
        '*.internalQuery',
        '*.cause.params',
        '*.cause.query',
        '*.cause.detail',
      ],
      censor: '[redacted]',
    },
    serializers: {
      // Fastify's own fields of a request, with a reset link's token cut out of its
      // address (routes/password-reset.tsx): the token is a credential.
      req: (request: FastifyRequest) => ({
        method: request.method,
        url: request.url.replace(RESET_LINK_TOKEN, '$1[redacted]'),
        host: request.host,
        remoteAddress: request.ip,
        remotePort: request.socket?.remotePort,
      }),
    },
  }
}

const RESET_LINK_TOKEN = /^(\/password-reset\/)(?!done\b)[^?#]+/

/**
 * Input is validated with zod in the handlers, and no route declares a JSON schema, so
 * the compilers Fastify would otherwise load (ajv and fast-json-stringify: about 100 ms
 * of a cold start and a few MiB) are replaced by ones that refuse: a route given a
 * schema fails at start, loudly, instead of pulling them back in unnoticed.
 */
function noJsonSchemaCompiler(): never {
  throw new Error('Logon validates input with zod: routes declare no JSON schema')
}
const zodOnlySchemaController: FastifyServerOptions['schemaController'] = {
  compilersFactory: {
    buildValidator: () => noJsonSchemaCompiler,
    buildSerializer: () => noJsonSchemaCompiler,
  },
}

/** Builds the application; never listens. */
export async function buildApp(deps: AppDependencies): Promise<FastifyInstance> {
  const { config, db } = deps
  const now = deps.now ?? (() => new Date())
  setPasswordHashThreads(config.passwordHashThreads)
  const app = Fastify({
    ...(deps.logger ? { loggerInstance: deps.logger } : { logger: loggerOptions(config.logLevel) }),
    schemaController: zodOnlySchemaController,
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: fastifyTrustProxy(config.trustProxy),
    ...requestIdOptions(config.trustProxy !== false),
    // A client that trickles its request in is cut off well within the 10 s that a
    // graceful stop may take (docs/contract.md).
    requestTimeout: REQUEST_TIMEOUT_MS,
    http: {
      // Headers come in one packet from any real client; a connection that sends none,
      // or sends them a byte at a time (slowloris), is cut off (408) after this.
      headersTimeout: HEADERS_TIMEOUT_MS,
      // Node checks both timeouts only this often (its default: 30 s, so a slow client
      // could hold a connection for 38 s where the limit says 8).
      connectionsCheckingInterval: 1_000,
    },
    ...edgeErrorHandlers,
  })
  closeConnectionsWhenDraining(app)

  // Read-only: pages say how long ago a time was by the clock the sessions use.
  app.decorate('clock', now)
  app.decorateRequest('user', null)
  app.decorateRequest('session', null)
  registerErrorHandlers(app)
  answerRequestIds(app)
  // First of the hooks that refuse: a flood is turned away before any cookie or query.
  await requestLimit(app, config.limits)
  // Only when they are served (METRICS_PORT): otherwise no request pays for counting.
  if (config.metricsPort !== undefined) metricsOfApps.set(app, collectMetrics(app, db))

  await app.register(securityHeaders, { hsts: config.cookieSecure })
  await app.register(fastifyCookie, { secret: deps.secret })
  await app.register(fastifyFormbody)
  await app.register(fastifyStatic, {
    root: [PUBLIC_DIR, PICO_DIR],
    prefix: '/assets/',
    index: false,
    list: false,
    maxAge: '1h',
  })
  await app.register(fastifyStatic, {
    root: SIMPLEWEBAUTHN_BROWSER_DIR,
    prefix: '/assets/simplewebauthn/',
    decorateReply: false,
    index: false,
    list: false,
    maxAge: '1h',
  })
  await app.register(healthRoutes, { db })

  const caches =
    (deps.cache ?? true)
      ? await startCaches(db, (error, message) => app.log.warn({ err: error }, message))
      : undefined
  // After the routes stop (onClose runs in reverse order), before the database closes.
  if (caches) app.addHook('onClose', () => caches.close())
  if (caches) cachesOfApps.set(app, caches)
  const metrics = metricsOfApps.get(app)
  if (metrics && caches) collectChangeFeedMetrics(metrics, caches)
  app.decorate('registrationOpen', config.registrationOpen)

  const touches =
    (deps.batchSessionTouches ?? true)
      ? new SessionTouches(db, {
          flushIntervalMs: TOUCH_FLUSH_INTERVAL_MS,
          onError: (error) =>
            app.log.warn({ err: error }, 'writing session last-seen times failed'),
        })
      : undefined
  const sessions = createSessions({
    db,
    policy: config.session,
    clock: now,
    known: caches?.sessions,
    touches,
  })
  // Before the database closes (main.ts closes it after the app): pending touches land.
  app.addHook('onClose', () => sessions.close())
  const pageSessions: PageSessions = { sessions, db, cookieSecure: config.cookieSecure, now }
  const passwordAttempts: PasswordAttemptContext = { db, limits: config.limits, now }
  const devices: DeviceCookieSettings = {
    db,
    keys: deviceTokenKeys(deps.secret),
    cookieSecure: config.cookieSecure,
  }
  const dummyHashes = new DummyHashes(config.passwordHash)
  const members = createMembers({ db, known: caches?.memberPages })
  const accounts: AccountServices = {
    db,
    policy: {
      passwordMinLength: config.passwordMinLength,
      passwordHash: config.passwordHash,
      dummyHashes,
    },
    sessions,
    members,
  }
  const secondFactor: SecondFactorServices = { db, sessions, key: totpSecretKey(deps.secret) }
  const passkeys: PasskeyServices = {
    db,
    sessions,
    relyingParty: config.relyingParty,
    relyingPartyName: 'Logon',
    now,
  }
  const census = startHashCensus({ dummyHashes, db, log: app.log })
  app.addHook('onReady', async () => census.start())
  app.addHook('onClose', () => census.close())

  const onAccount = { pageSessions, accounts, devices, passwordAttempts, secondFactor, passkeys }
  // The pages: everything below reads the session and checks forgery on writes.
  await app.register(async (pages) => {
    await pages.register(sessionPlugin, { sessions, cookieSecure: config.cookieSecure })
    await pages.register(forgeryProtection, { cookieSecure: config.cookieSecure })
    await pages.register(homeRoutes, { members, sessions })
    await pages.register(forwardAuthRoutes, {
      trustProxy: config.trustProxy !== false,
      publicOrigin: config.relyingParty.origin,
    })
    await pages.register(languageRoutes, { cookieSecure: config.cookieSecure })
    const signingIn = { pageSessions, accounts, devices }
    await pages.register(registerRoutes, { ...signingIn, limits: config.limits })
    await pages.register(loginRoutes, { ...signingIn, passwordAttempts })
    await pages.register(loginTwoFactorRoutes, { ...signingIn, secondFactor })
    await pages.register(accountRoutes, onAccount)
    await pages.register(accountChangeRoutes, onAccount)
    await pages.register(twoFactorRoutes, onAccount)
    await pages.register(confirmationRoutes, onAccount)
    await pages.register(passkeyRoutes, onAccount)
    await pages.register(passwordResetRoutes, { pageSessions, accounts, limits: config.limits })
  })

  // The JSON API: the same services and rules, its own scope (src/http/api/api.ts).
  await app.register(apiRoutes, {
    prefix: API_PREFIX,
    services: { ...onAccount, limits: config.limits, members },
    cookieSecure: config.cookieSecure,
  })

  const stopPurge = startPurge({
    db,
    policy: config.session,
    now,
    attemptLimitWindowSeconds: longestLimitWindowSeconds(config.limits),
    intervalMs: PURGE_INTERVAL_MS,
    log: app.log,
  })
  app.addHook('onClose', async () => stopPurge())

  return app
}
