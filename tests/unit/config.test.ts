import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig, type Config } from '../../src/config.js'

const SECRET = 'a-server-secret-of-at-least-32-characters'

describe('config: defaults (docs/contract.md)', () => {
  const config = loadConfig({})
  const defaults: [string, (c: Config) => unknown, unknown][] = [
    ['PORT is 3000', (c) => c.port, 3000],
    ['HOST is 127.0.0.1', (c) => c.host, '127.0.0.1'],
    ['DATABASE_URL is unset (embedded database)', (c) => c.databaseUrl, undefined],
    [
      'DATABASE_LISTEN_URL is unset (LISTEN on DATABASE_URL)',
      (c) => c.databaseListenUrl,
      undefined,
    ],
    ['DATA_DIR is ./data', (c) => c.dataDir, './data'],
    ['SESSION_IDLE_TIMEOUT is 1800 s', (c) => c.session.idleTimeoutSeconds, 1800],
    ['SESSION_ABSOLUTE_TIMEOUT is 43200 s', (c) => c.session.absoluteTimeoutSeconds, 43200],
    ['SESSION_REMEMBER_TIMEOUT is 2592000 s', (c) => c.session.rememberTimeoutSeconds, 2592000],
    ['COOKIE_SECURE is false outside production', (c) => c.cookieSecure, false],
    ['TRUST_PROXY is false', (c) => c.trustProxy, false],
    ['SECRET_KEY is unset (generated and kept in the database)', (c) => c.secretKey, undefined],
    ['PASSWORD_MIN_LENGTH is 8', (c) => c.passwordMinLength, 8],
    ['REGISTRATION is open', (c) => c.registrationOpen, true],
    [
      'password hashing uses the OWASP argon2id minimum (m=19456, t=2, p=1)',
      (c) => c.passwordHash,
      { memoryCost: 19456, timeCost: 2, parallelism: 1 },
    ],
  ]
  for (const [what, read, expected] of defaults) {
    test(`by default ${what}`, () => {
      assert.deepEqual(read(config), expected)
    })
  }
})

describe('config: every variable is read', () => {
  const cases: [Record<string, string>, (c: Config) => unknown, unknown][] = [
    [{ PORT: '8080' }, (c) => c.port, 8080],
    [{ PORT: '0' }, (c) => c.port, 0],
    [{ PORT: '65535' }, (c) => c.port, 65535],
    [{ HOST: '0.0.0.0' }, (c) => c.host, '0.0.0.0'],
    [{ HOST: '::1' }, (c) => c.host, '::1'],
    [
      { DATABASE_URL: 'postgres://u:p@db:5432/logon' },
      (c) => c.databaseUrl,
      'postgres://u:p@db:5432/logon',
    ],
    [{ DATABASE_URL: 'postgresql://db/logon' }, (c) => c.databaseUrl, 'postgresql://db/logon'],
    [
      {
        DATABASE_URL: 'postgres://u:p@pgbouncer:6432/logon',
        DATABASE_LISTEN_URL: 'postgres://u:p@db:5432/logon',
      },
      (c) => c.databaseListenUrl,
      'postgres://u:p@db:5432/logon',
    ],
    [{ DATA_DIR: '/var/lib/logon' }, (c) => c.dataDir, '/var/lib/logon'],
    [{ SESSION_IDLE_TIMEOUT: '60' }, (c) => c.session.idleTimeoutSeconds, 60],
    [{ SESSION_ABSOLUTE_TIMEOUT: '3600' }, (c) => c.session.absoluteTimeoutSeconds, 3600],
    [{ SESSION_REMEMBER_TIMEOUT: '86400' }, (c) => c.session.rememberTimeoutSeconds, 86400],
    [{ COOKIE_SECURE: 'true' }, (c) => c.cookieSecure, true],
    [{ COOKIE_SECURE: 'false' }, (c) => c.cookieSecure, false],
    [{ TRUST_PROXY: 'true' }, (c) => c.trustProxy, 1],
    [{ TRUST_PROXY: 'false' }, (c) => c.trustProxy, false],
    [{ TRUST_PROXY: '1' }, (c) => c.trustProxy, 1],
    [{ TRUST_PROXY: '2' }, (c) => c.trustProxy, 2],
    [{ TRUST_PROXY: '10.0.0.1' }, (c) => c.trustProxy, ['10.0.0.1']],
    [
      { TRUST_PROXY: '10.0.0.0/8, 192.0.2.1,::1/128,loopback' },
      (c) => c.trustProxy,
      ['10.0.0.0/8', '192.0.2.1', '::1/128', 'loopback'],
    ],
    [{ SECRET_KEY: SECRET }, (c) => c.secretKey, SECRET],
    [{ REGISTRATION: 'open' }, (c) => c.registrationOpen, true],
    [{ REGISTRATION: 'closed' }, (c) => c.registrationOpen, false],
    [{ PASSWORD_MIN_LENGTH: '12' }, (c) => c.passwordMinLength, 12],
    [{ PASSWORD_MIN_LENGTH: '8' }, (c) => c.passwordMinLength, 8],
    [{ PASSWORD_MIN_LENGTH: '1024' }, (c) => c.passwordMinLength, 1024],
    [{ NODE_ENV: 'production' }, (c) => c.cookieSecure, true],
    [{ NODE_ENV: 'test' }, (c) => c.cookieSecure, false],
  ]
  for (const [env, read, expected] of cases) {
    const [[name, value]] = Object.entries(env) as [[string, string]]
    test(`${name}=${value} is read as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(read(loadConfig(env)), expected)
    })
  }

  test('setting one variable leaves the others at their defaults', () => {
    const config = loadConfig({ SESSION_IDLE_TIMEOUT: '60' })
    assert.equal(config.session.absoluteTimeoutSeconds, 43200)
    assert.equal(config.session.rememberTimeoutSeconds, 2592000)
    assert.equal(config.port, 3000)
  })

  test('loadConfig reads the object it is given, not process.env', () => {
    const saved = process.env.PORT
    process.env.PORT = 'not-a-port'
    try {
      assert.equal(loadConfig({}).port, 3000)
    } finally {
      if (saved === undefined) delete process.env.PORT
      else process.env.PORT = saved
    }
  })
})

describe('config: COOKIE_SECURE default depends on NODE_ENV', () => {
  const cases: [Record<string, string>, boolean][] = [
    [{ NODE_ENV: 'production' }, true],
    [{ NODE_ENV: 'development' }, false],
    [{ NODE_ENV: 'test' }, false],
    [{}, false],
    [{ NODE_ENV: 'production', COOKIE_SECURE: 'false' }, false],
    [{ NODE_ENV: 'development', COOKIE_SECURE: 'true' }, true],
  ]
  for (const [env, expected] of cases) {
    test(`with ${JSON.stringify(env)} cookies are ${expected ? '' : 'not '}Secure`, () => {
      assert.equal(loadConfig(env).cookieSecure, expected)
    })
  }
})

describe('config: bad values stop the start with a message naming the variable', () => {
  const bad: [string, string][] = [
    ['PORT', 'abc'],
    ['PORT', '70000'],
    ['PORT', '65536'],
    ['PORT', '-1'],
    ['PORT', '80.5'],
    ['SESSION_IDLE_TIMEOUT', '0'],
    ['SESSION_IDLE_TIMEOUT', '-5'],
    ['SESSION_IDLE_TIMEOUT', 'soon'],
    ['SESSION_ABSOLUTE_TIMEOUT', '1.5'],
    ['SESSION_ABSOLUTE_TIMEOUT', '0'],
    ['SESSION_REMEMBER_TIMEOUT', '-1'],
    ['SESSION_REMEMBER_TIMEOUT', 'forever'],
    ['DATABASE_URL', 'mysql://x'],
    ['DATABASE_URL', 'postgres://'],
    ['DATABASE_URL', 'db.example.com:5432'],
    ['DATABASE_LISTEN_URL', 'mysql://x'],
    ['DATABASE_LISTEN_URL', 'postgres://db/logon'], // without DATABASE_URL: nothing to listen beside
    ['COOKIE_SECURE', 'yes'],
    ['COOKIE_SECURE', '1'],
    ['COOKIE_SECURE', 'TRUE'],
    ['TRUST_PROXY', 'on'],
    ['TRUST_PROXY', '0'],
    ['TRUST_PROXY', '100'],
    ['TRUST_PROXY', '1.2.3'],
    ['TRUST_PROXY', '10.0.0.0/33'],
    ['TRUST_PROXY', '10.0.0.1,'],
    ['TRUST_PROXY', '10.0.0.1/8/8'],
    ['TRUST_PROXY', 'proxy.internal'],
    ['REGISTRATION', 'no'],
    ['REGISTRATION', 'Closed'],
    ['PASSWORD_MIN_LENGTH', '7'],
    ['PASSWORD_MIN_LENGTH', '2000'],
    ['PASSWORD_MIN_LENGTH', '8.5'],
    ['PASSWORD_MIN_LENGTH', 'eight'],
    ['SECRET_KEY', 'short'],
    ['SECRET_KEY', 'x'.repeat(31)],
    ['WEB_CONCURRENCY', '0'],
    ['WEB_CONCURRENCY', '2'], // without DATABASE_URL: the embedded database is one process's
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', '3000'], // PORT's default: the metrics are never on the public port
    ['REQUESTS_PER_ADDRESS_PER_MINUTE', '10'],
  ]
  for (const [name, value] of bad) {
    test(`${name}=${value} throws a ConfigError whose message starts with ${name}`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `not a ConfigError: ${String(error)}`)
          assert.ok(
            error.message.startsWith(name),
            `message ${JSON.stringify(error.message)} does not start with ${name}`,
          )
          assert.ok(error.message.length > name.length + 2, 'the message says what is wrong')
          return true
        },
      )
    })
  }

  test('a ConfigError is an Error with the code CONFIG_INVALID', () => {
    assert.throws(
      () => loadConfig({ PORT: 'abc' }),
      (error: unknown) => error instanceof Error && error instanceof ConfigError,
    )
    assert.throws(() => loadConfig({ PORT: 'abc' }), { code: 'CONFIG_INVALID' })
  })

  test('a bad value is named even when other variables are fine', () => {
    assert.throws(() => loadConfig({ PORT: '8080', HOST: 'localhost', TRUST_PROXY: 'maybe' }), {
      message: /^TRUST_PROXY:/,
    })
  })

  test('the message does not repeat a bad SECRET_KEY value', () => {
    assert.throws(
      () => loadConfig({ SECRET_KEY: 'hunter2-secret' }),
      (error: unknown) => error instanceof ConfigError && !error.message.includes('hunter2'),
    )
  })

  // Regression: z.coerce.number turned "   " into 0, so a PORT of blanks silently
  // meant "any free port" instead of stopping the start; "0x50" and "1e3" passed too.
  test('PORT made only of spaces, or in hex or exponent form, is refused', () => {
    for (const PORT of ['   ', '0x50', '1e3', '+80', '80 ']) {
      assert.throws(() => loadConfig({ PORT }), { message: /^PORT:/ }, JSON.stringify(PORT))
    }
  })
})

describe('config: an empty variable counts as unset', () => {
  const cases: [string, (c: Config) => unknown, unknown][] = [
    ['PORT', (c) => c.port, 3000],
    ['HOST', (c) => c.host, '127.0.0.1'],
    ['DATABASE_URL', (c) => c.databaseUrl, undefined],
    ['DATABASE_LISTEN_URL', (c) => c.databaseListenUrl, undefined],
    ['DATA_DIR', (c) => c.dataDir, './data'],
    ['SESSION_IDLE_TIMEOUT', (c) => c.session.idleTimeoutSeconds, 1800],
    ['SESSION_ABSOLUTE_TIMEOUT', (c) => c.session.absoluteTimeoutSeconds, 43200],
    ['SESSION_REMEMBER_TIMEOUT', (c) => c.session.rememberTimeoutSeconds, 2592000],
    ['COOKIE_SECURE', (c) => c.cookieSecure, false],
    ['TRUST_PROXY', (c) => c.trustProxy, false],
    ['SECRET_KEY', (c) => c.secretKey, undefined],
    ['PASSWORD_MIN_LENGTH', (c) => c.passwordMinLength, 8],
  ]
  for (const [name, read, expected] of cases) {
    test(`${name}="" gives the default ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(read(loadConfig({ [name]: '' })), expected)
    })
  }

  test('COOKIE_SECURE="" in production gives the production default true', () => {
    assert.equal(loadConfig({ NODE_ENV: 'production', COOKIE_SECURE: '' }).cookieSecure, true)
  })

  test('an undefined variable counts as unset', () => {
    assert.equal(loadConfig({ PORT: undefined }).port, 3000)
  })
})

describe('config: the result cannot be changed', () => {
  test('the config and its nested objects are frozen', () => {
    const config = loadConfig({})
    assert.ok(Object.isFrozen(config))
    assert.ok(Object.isFrozen(config.session))
    assert.ok(Object.isFrozen(config.passwordHash))
  })

  test('assigning to the config throws and changes nothing', () => {
    const config = loadConfig({})
    assert.throws(() => {
      ;(config as { port: number }).port = 1
    }, TypeError)
    assert.throws(() => {
      ;(config.session as { idleTimeoutSeconds: number }).idleTimeoutSeconds = 1
    }, TypeError)
    assert.equal(config.port, 3000)
    assert.equal(config.session.idleTimeoutSeconds, 1800)
  })
})

test('METRICS_PORT is refused beside WEB_CONCURRENCY above 1 (a scrape would see one worker)', () => {
  assert.throws(
    () =>
      loadConfig({
        DATABASE_URL: 'postgres://db/logon',
        WEB_CONCURRENCY: '2',
        METRICS_PORT: '9464',
      }),
    (error: unknown) =>
      error instanceof ConfigError &&
      /^METRICS_PORT: not served with WEB_CONCURRENCY above 1/.test(error.message),
  )
  const ok = loadConfig({ DATABASE_URL: 'postgres://db/logon', WEB_CONCURRENCY: '2' })
  assert.equal(ok.webConcurrency, 2)
  assert.equal(ok.metricsPort, undefined)
})

test('DATABASE_LISTEN_URL is checked like DATABASE_URL, and only beside it', () => {
  assert.throws(
    () => loadConfig({ DATABASE_URL: 'postgres://db/logon', DATABASE_LISTEN_URL: 'db:5432' }),
    { message: 'DATABASE_LISTEN_URL: must be a postgres:// URL' },
  )
  assert.throws(() => loadConfig({ DATABASE_LISTEN_URL: 'postgres://db/logon' }), {
    message: /^DATABASE_LISTEN_URL: needs DATABASE_URL/,
  })
})
