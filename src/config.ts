import { isIP } from 'node:net'
import { availableParallelism } from 'node:os'
import { z } from 'zod'

// The one place that reads the environment. Every variable of
// docs/contract.md is optional; a bad value stops the start with a line naming it.

const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true')

/** Digits only: Number() would also take "  ", "0x50" or "1e3". */
function wholeNumber({ min, max, message }: { min: number; max: number; message: string }) {
  return z
    .string()
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
}

/**
 * TRUST_PROXY (docs/contract.md): `false`; `true` = one proxy; a number = that many
 * proxies in a row; or a comma list of the proxies' addresses and CIDR ranges.
 * Fastify (through @fastify/proxy-addr) then walks X-Forwarded-For from the right,
 * past the trusted hops only, so the client address is the entry the nearest
 * untrusted hop appended: never one the client wrote (security review, issue 9).
 * `true` is not Fastify's `true`, which trusts every hop and takes the left-most
 * entry, the one the client wrote.
 */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal'])
function isProxyAddressOrRange(entry: string): boolean {
  if (PROXY_RANGE_NAMES.has(entry)) return true
  const [address = '', prefix, ...rest] = entry.split('/')
  const version = isIP(address)
  if (version === 0 || rest.length > 0) return false
  if (prefix === undefined) return true
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128)
}
const trustProxy = z.string().transform((value, ctx): false | number | string[] => {
  if (value === 'false') return false
  if (value === 'true') return 1
  if (/^\d{1,2}$/.test(value) && Number(value) >= 1) return Number(value)
  const entries = value.split(',').map((entry) => entry.trim())
  if (entries.every(isProxyAddressOrRange)) return entries
  ctx.addIssue({
    code: 'custom',
    message:
      'must be false, true (one proxy), a number of proxies from 1 to 99, or a comma list of proxy addresses/CIDR ranges',
  })
  return z.NEVER
})

const seconds = wholeNumber({
  min: 1,
  max: 10 * 365 * 86400,
  message: 'must be a whole number of seconds greater than 0',
})

// A wait of the sign-in limits: docs/contract.md allows at most 15 minutes.
const waitSeconds = wholeNumber({
  min: 1,
  max: 900,
  message: 'must be a whole number of seconds from 1 to 900',
})

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: wholeNumber({
    min: 0,
    max: 65535,
    message: 'must be a port number from 0 to 65535',
  }).default(3000),
  HOST: z.string().min(1, 'must not be empty').default('127.0.0.1'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/.+/, 'must be a postgres:// URL')
    .optional(),
  DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  SESSION_IDLE_TIMEOUT: seconds.default(1800),
  SESSION_ABSOLUTE_TIMEOUT: seconds.default(43200),
  SESSION_REMEMBER_TIMEOUT: seconds.default(2592000),
  SESSIONS_PER_ACCOUNT: wholeNumber({
    min: 1,
    max: 10_000,
    message: 'must be a whole number from 1 to 10000',
  }).default(100),
  COOKIE_SECURE: booleanFlag.optional(),
  TRUST_PROXY: trustProxy.default(false),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  REGISTRATION: z.enum(['open', 'closed'], 'must be open or closed').default('open'),
  PASSWORD_MIN_LENGTH: wholeNumber({
    min: 8,
    max: 1024,
    message: 'must be a whole number from 8 to 1024',
  }).default(8),
  // OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
  PASSWORD_HASH_MEMORY_KIB: wholeNumber({
    min: 8192,
    max: 1048576,
    message: 'must be a whole number of KiB from 8192 to 1048576',
  }).default(19456),
  PASSWORD_HASH_ITERATIONS: wholeNumber({
    min: 1,
    max: 20,
    message: 'must be a whole number from 1 to 20',
  }).default(2),
  PASSWORD_HASH_PARALLELISM: wholeNumber({
    min: 1,
    max: 16,
    message: 'must be a whole number from 1 to 16',
  }).default(1),
  // Hashes at once (below libuv's pool, 4 threads unless UV_THREADPOOL_SIZE says
  // more); default: one fewer than the cores, so a sign-in storm leaves a core to
  // the event loop and the database (docs/decisions/0003).
  PASSWORD_HASH_THREADS: wholeNumber({
    min: 1,
    max: 64,
    message: 'must be a whole number from 1 to 64',
  }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Sign-in and registration limits (README "Sign-in limits", docs/decisions/0005).
  // The bounds are docs/contract.md's: at most 10 failures for a name from an address, a
  // wait of at most 15 minutes, at least 200 registrations a minute; and NIST
  // 800-63B §5.2.2: at most 100 consecutive failures for an account.
  RATE_LIMITS: z
    .enum(['on', 'off'], 'must be on or off (off is for benchmarks only)')
    .default('on'),
  SIGN_IN_FAILURES_PER_NAME_ADDRESS: wholeNumber({
    min: 1,
    max: 10,
    message: 'must be a whole number from 1 to 10',
  }).default(10),
  SIGN_IN_FAILURES_PER_ACCOUNT: wholeNumber({
    min: 1,
    max: 100,
    message: 'must be a whole number from 1 to 100',
  }).default(100),
  SIGN_IN_FAILURES_PER_ADDRESS: wholeNumber({
    min: 1,
    max: 1_000_000,
    message: 'must be a whole number from 1 to 1000000',
  }).default(100),
  SIGN_IN_NAME_ADDRESS_WINDOW: seconds.default(86400),
  SIGN_IN_ACCOUNT_WINDOW: seconds.default(86400),
  SIGN_IN_ADDRESS_WINDOW: seconds.default(900),
  SIGN_IN_FIRST_WAIT: waitSeconds.default(60),
  SIGN_IN_MAX_WAIT: waitSeconds.default(900),
  SIGN_INS_PER_ADDRESS_PER_MINUTE: wholeNumber({
    min: 10,
    max: 1_000_000,
    message: 'must be a whole number from 10 to 1000000',
  }).default(60),
  REGISTRATIONS_PER_MINUTE: wholeNumber({
    min: 200,
    max: 1_000_000,
    message: 'must be a whole number from 200 to 1000000',
  }).default(300),
})

export interface PasswordHashParams {
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
}

export interface SessionPolicy {
  readonly idleTimeoutSeconds: number
  readonly absoluteTimeoutSeconds: number
  readonly rememberTimeoutSeconds: number
  /** Live sessions one account may hold; a sign-in beyond it ends the least recently used. */
  readonly maxSessionsPerAccount: number
}

/** A counter of failed sign-ins: after `maxFailures` within `windowSeconds`, wait. */
export interface FailureLimit {
  readonly maxFailures: number
  readonly windowSeconds: number
}

export interface SignInLimits {
  readonly perNameAndAddress: FailureLimit
  readonly perAccount: FailureLimit
  readonly perAddress: FailureLimit
  /** Over a limit the wait starts here and doubles with each further failure… */
  readonly firstWaitSeconds: number
  /** …up to this. */
  readonly maxWaitSeconds: number
  /** Sign-ins let through from one address in a minute, successful or not. */
  readonly signInsPerAddressPerMinute: number
}

export interface LimitsPolicy {
  /** false only with RATE_LIMITS=off, for benchmarks. */
  readonly enabled: boolean
  readonly signIn: SignInLimits
  readonly registrationsPerMinute: number
}

export interface Config {
  readonly port: number
  readonly host: string
  readonly databaseUrl: string | undefined
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
  const production = e.NODE_ENV === 'production'
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    session: Object.freeze({
      idleTimeoutSeconds: e.SESSION_IDLE_TIMEOUT,
      absoluteTimeoutSeconds: e.SESSION_ABSOLUTE_TIMEOUT,
      rememberTimeoutSeconds: e.SESSION_REMEMBER_TIMEOUT,
      maxSessionsPerAccount: e.SESSIONS_PER_ACCOUNT,
    }),
    cookieSecure: e.COOKIE_SECURE ?? production,
    trustProxy: Array.isArray(e.TRUST_PROXY) ? Object.freeze(e.TRUST_PROXY) : e.TRUST_PROXY,
    secretKey: e.SECRET_KEY,
    registrationOpen: e.REGISTRATION === 'open',
    passwordMinLength: e.PASSWORD_MIN_LENGTH,
    passwordHash: Object.freeze({
      memoryCost: e.PASSWORD_HASH_MEMORY_KIB,
      timeCost: e.PASSWORD_HASH_ITERATIONS,
      parallelism: e.PASSWORD_HASH_PARALLELISM,
    }),
    passwordHashThreads: e.PASSWORD_HASH_THREADS ?? Math.max(1, availableParallelism() - 1),
    logLevel: e.LOG_LEVEL,
    limits: Object.freeze({
      enabled: e.RATE_LIMITS === 'on',
      signIn: Object.freeze({
        perNameAndAddress: Object.freeze({
          maxFailures: e.SIGN_IN_FAILURES_PER_NAME_ADDRESS,
          windowSeconds: e.SIGN_IN_NAME_ADDRESS_WINDOW,
        }),
        perAccount: Object.freeze({
          maxFailures: e.SIGN_IN_FAILURES_PER_ACCOUNT,
          windowSeconds: e.SIGN_IN_ACCOUNT_WINDOW,
        }),
        perAddress: Object.freeze({
          maxFailures: e.SIGN_IN_FAILURES_PER_ADDRESS,
          windowSeconds: e.SIGN_IN_ADDRESS_WINDOW,
        }),
        firstWaitSeconds: e.SIGN_IN_FIRST_WAIT,
        maxWaitSeconds: e.SIGN_IN_MAX_WAIT,
        signInsPerAddressPerMinute: e.SIGN_INS_PER_ADDRESS_PER_MINUTE,
      }),
      registrationsPerMinute: e.REGISTRATIONS_PER_MINUTE,
    }),
  })
}
