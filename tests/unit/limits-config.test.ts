import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ConfigError, loadConfig, type Config } from '../../src/config.js'

// The variables of the sign-in and registration limits (README "Sign-in limits").

describe('config: limits by default', () => {
  const { limits } = loadConfig({})
  test('limits are on', () => {
    assert.equal(limits.enabled, true)
  })
  test('10 failures per name and address, 100 per account in a day; 100 per address in 15 minutes', () => {
    assert.deepEqual(limits.signIn.perNameAndAddress, { maxFailures: 10, windowSeconds: 86400 })
    assert.deepEqual(limits.signIn.perAccount, { maxFailures: 100, windowSeconds: 86400 })
    assert.deepEqual(limits.signIn.perAddress, { maxFailures: 100, windowSeconds: 900 })
  })
  test('waits start at 1 minute and never exceed 15 minutes', () => {
    assert.equal(limits.signIn.firstWaitSeconds, 60)
    assert.equal(limits.signIn.maxWaitSeconds, 900)
  })
  test('300 registrations a minute per address', () => {
    assert.equal(limits.registrationsPerMinute, 300)
  })
  test('the limits are frozen', () => {
    assert.ok(Object.isFrozen(limits))
    assert.ok(Object.isFrozen(limits.signIn))
    assert.ok(Object.isFrozen(limits.signIn.perAccount))
  })
})

describe('config: every limit variable is read', () => {
  const cases: [Record<string, string>, (c: Config) => unknown, unknown][] = [
    [{ RATE_LIMITS: 'off' }, (c) => c.limits.enabled, false],
    [{ RATE_LIMITS: 'on' }, (c) => c.limits.enabled, true],
    [
      { SIGN_IN_FAILURES_PER_NAME_ADDRESS: '3' },
      (c) => c.limits.signIn.perNameAndAddress.maxFailures,
      3,
    ],
    [{ SIGN_IN_FAILURES_PER_ACCOUNT: '50' }, (c) => c.limits.signIn.perAccount.maxFailures, 50],
    [{ SIGN_IN_FAILURES_PER_ADDRESS: '1000' }, (c) => c.limits.signIn.perAddress.maxFailures, 1000],
    [
      { SIGN_IN_NAME_ADDRESS_WINDOW: '3600' },
      (c) => c.limits.signIn.perNameAndAddress.windowSeconds,
      3600,
    ],
    [{ SIGN_IN_ACCOUNT_WINDOW: '7200' }, (c) => c.limits.signIn.perAccount.windowSeconds, 7200],
    [{ SIGN_IN_ADDRESS_WINDOW: '60' }, (c) => c.limits.signIn.perAddress.windowSeconds, 60],
    [{ SIGN_IN_FIRST_WAIT: '5' }, (c) => c.limits.signIn.firstWaitSeconds, 5],
    [{ SIGN_IN_MAX_WAIT: '300' }, (c) => c.limits.signIn.maxWaitSeconds, 300],
    [{ REGISTRATIONS_PER_MINUTE: '200' }, (c) => c.limits.registrationsPerMinute, 200],
  ]
  for (const [env, read, expected] of cases) {
    const [[name, value]] = Object.entries(env) as [[string, string]]
    test(`${name}=${value} is read as ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(read(loadConfig(env)), expected)
    })
  }
})

describe('config: limit values outside the contract stop the start', () => {
  const bad: [string, string, string][] = [
    ['RATE_LIMITS', 'false', 'only on or off'],
    ['RATE_LIMITS', 'OFF', 'only on or off'],
    ['SIGN_IN_FAILURES_PER_NAME_ADDRESS', '11', 'docs/contract.md: at most 10'],
    ['SIGN_IN_FAILURES_PER_NAME_ADDRESS', '0', 'a limit of 0 refuses everyone'],
    ['SIGN_IN_FAILURES_PER_ACCOUNT', '101', 'NIST 800-63B: at most 100'],
    ['SIGN_IN_FAILURES_PER_ADDRESS', '0', 'a limit of 0 refuses everyone'],
    ['SIGN_IN_FAILURES_PER_ADDRESS', '1e3', 'digits only'],
    ['SIGN_IN_ADDRESS_WINDOW', '0', 'a window of 0 counts nothing'],
    ['SIGN_IN_ACCOUNT_WINDOW', '15m', 'seconds, as digits'],
    ['SIGN_IN_FIRST_WAIT', '0', 'a wait of 0 is no limit'],
    ['SIGN_IN_MAX_WAIT', '901', 'docs/contract.md: at most 15 minutes'],
    ['SIGN_IN_MAX_WAIT', ' 60', 'digits only'],
    ['REGISTRATIONS_PER_MINUTE', '199', 'docs/contract.md: never below 200 a minute'],
    ['REGISTRATIONS_PER_MINUTE', '300.5', 'whole numbers only'],
  ]
  for (const [name, value, why] of bad) {
    test(`${name}=${JSON.stringify(value)} is refused (${why})`, () => {
      assert.throws(
        () => loadConfig({ [name]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.startsWith(`${name}: `),
      )
    })
  }

  test('an empty variable counts as unset', () => {
    const config = loadConfig({ RATE_LIMITS: '', SIGN_IN_MAX_WAIT: '' })
    assert.equal(config.limits.enabled, true)
    assert.equal(config.limits.signIn.maxWaitSeconds, 900)
  })
})
