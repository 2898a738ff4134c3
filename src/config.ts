import { z } from 'zod'
import { limitsPolicy, limitsVariables, type LimitsPolicy } from './config/limits-policy.js'
import {
  passwordHashParams,
  passwordHashThreads,
  passwordVariables,
  type PasswordHashParams,
} from './config/password-policy.js'
import { defaultPublicOrigin, publicOrigin, type RelyingParty } from './config/public-origin.js'
import { sessionPolicy, sessionVariables, type SessionPolicy } from './config/session-policy.js'
import { trustProxy } from './config/trust-proxy.js'
import { booleanFlag, postgresUrl, wholeNumber } from './config/values.js'

// The one place that reads the environment. Every variable of
// docs/contract.md is optional; a bad value stops the start with a line naming it.
// The groups of variables and what they make live in src/config/; this file puts
// them together and reads process.env.

export type { PasswordHashParams } from './config/password-policy.js'
export type { SessionPolicy } from './config/session-policy.js'
export type { RelyingParty } from './config/public-origin.js'
export type { FailureLimit, LimitsPolicy, SignInLimits } from './config/limits-policy.js'

// In the order the variables are checked: with several bad values, the start names
// the first of them.
const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: wholeNumber({
    min: 0,
    max: 65535,
    message: 'must be a port number from 0 to 65535',
  }).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  // Worker processes on one machine (src/cluster.ts); more than 1 needs DATABASE_URL.
  WEB_CONCURRENCY: wholeNumber({
    min: 1,
    max: 64,
    message: 'must be a whole number from 1 to 64',
  }).default(1),
  // Prometheus metrics on a port of their own, never the public one (src/metrics/).
  METRICS_PORT: wholeNumber({
    min: 1,
    max: 65535,
    message: 'must be a port number from 1 to 65535',
  }).optional(),
  PUBLIC_ORIGIN: publicOrigin.optional(),
  DATABASE_URL: postgresUrl.optional(),
  // The change feed's LISTEN (src/cache/) when DATABASE_URL goes through a transaction
  // pooler, where LISTEN hears nothing reliably: a direct connection to the same database.
  DATABASE_LISTEN_URL: postgresUrl.optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  ...sessionVariables.shape,
  COOKIE_SECURE: booleanFlag.optional(),
  TRUST_PROXY: trustProxy.default(false),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  REGISTRATION: z.enum(['open', 'closed'], 'must be open or closed').default('open'),
  ...passwordVariables.shape,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ...limitsVariables.shape,
})

export interface Config {
  readonly port: number
  readonly host: string
  /** PUBLIC_ORIGIN: the origin browsers use, and the passkeys' relying party ID (its host). */
  readonly relyingParty: RelyingParty
  readonly databaseUrl: string | undefined
  /** DATABASE_LISTEN_URL: where the change feed listens; undefined: on DATABASE_URL itself. */
  readonly databaseListenUrl: string | undefined
  readonly dataDir: string
  readonly session: SessionPolicy
  readonly cookieSecure: boolean
  /** Fastify's `trustProxy`: false, a number of proxy hops, or the proxies' addresses. */
  readonly trustProxy: false | number | readonly string[]
  readonly secretKey: string | undefined
  /** false with REGISTRATION=closed: no new accounts (say, while importing old ones). */
  readonly registrationOpen: boolean
  readonly passwordMinLength: number
  readonly passwordHash: PasswordHashParams
  /** How many password hashes run at once; more wait their turn. */
  readonly passwordHashThreads: number
  readonly logLevel: string
  readonly limits: LimitsPolicy
  /** How many worker processes serve PORT (node:cluster); 1: this process itself. */
  readonly webConcurrency: number
  /** Where /metrics is served (bound to HOST), or undefined: no metrics. */
  readonly metricsPort: number | undefined
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID'
}

type Env = Record<string, string | undefined>

export function loadConfig(env: Env = process.env): Config {
  // An empty variable counts as unset, as shells and .env files often leave them.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''))
  const parsed = envSchema.safeParse(present)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const variable = String(issue?.path[0] ?? 'environment')
    throw new ConfigError(`${variable}: ${issue?.message ?? 'invalid value'}`)
  }
  const e = parsed.data
  if (e.WEB_CONCURRENCY > 1 && e.DATABASE_URL === undefined) {
    throw new ConfigError(
      'WEB_CONCURRENCY: more than 1 worker needs DATABASE_URL (the embedded database belongs to one process)',
    )
  }
  if (e.DATABASE_LISTEN_URL !== undefined && e.DATABASE_URL === undefined) {
    throw new ConfigError(
      'DATABASE_LISTEN_URL: needs DATABASE_URL (the embedded database listens in-process)',
    )
  }
  if (e.WEB_CONCURRENCY > 1 && e.METRICS_PORT !== undefined) {
    throw new ConfigError(
      'METRICS_PORT: not served with WEB_CONCURRENCY above 1 yet (a scrape would see one worker)',
    )
  }
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT === e.PORT) {
    throw new ConfigError('METRICS_PORT: must not be PORT (the metrics are never public)')
  }
  const production = e.NODE_ENV === 'production'
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.METRICS_PORT,
    webConcurrency: e.WEB_CONCURRENCY,
    relyingParty: e.PUBLIC_ORIGIN ?? defaultPublicOrigin(e.PORT),
    databaseUrl: e.DATABASE_URL,
    databaseListenUrl: e.DATABASE_LISTEN_URL,
    dataDir: e.DATA_DIR,
    session: sessionPolicy(e),
    cookieSecure: e.COOKIE_SECURE ?? production,
    trustProxy: Array.isArray(e.TRUST_PROXY) ? Object.freeze(e.TRUST_PROXY) : e.TRUST_PROXY,
    secretKey: e.SECRET_KEY,
    registrationOpen: e.REGISTRATION === 'open',
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    passwordHash: passwordHashParams(e),
    passwordHashThreads: passwordHashThreads(e),
    logLevel: e.LOG_LEVEL,
    limits: limitsPolicy(e),
  })
}
