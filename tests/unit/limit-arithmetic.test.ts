import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { clientAddressKey, UNKNOWN_ADDRESS } from '../../src/auth/client-address.js'
import { retryAfterSeconds, waitsByFailureCount } from '../../src/auth/limit-waits.js'
import { signInSubject } from '../../src/auth/sign-in-limits.js'
import { spokenWaitSeconds } from '../../src/http/too-many-attempts.js'
import { translator } from '../../src/i18n/translate.js'
import { formatDuration } from '../../src/views/format.js'
import { waitAfterFailures } from '../helpers/limit-waits.js'

// The arithmetic of the sign-in limits (README "Sign-in limits"), without a database.

describe('waitsByFailureCount: the wait after each count of failures', () => {
  const cases: [string, Parameters<typeof waitsByFailureCount>[0], number[]][] = [
    [
      'the defaults: nothing for 9, then 1, 2, 4, 8 and 15 minutes',
      { maxFailures: 10, firstWaitSeconds: 60, maxWaitSeconds: 900 },
      [0, 0, 0, 0, 0, 0, 0, 0, 0, 60, 120, 240, 480, 900],
    ],
    [
      'a limit of 1 waits from the first failure',
      { maxFailures: 1, firstWaitSeconds: 60, maxWaitSeconds: 900 },
      [60, 120, 240, 480, 900],
    ],
    [
      'a first wait equal to the longest is the only wait',
      { maxFailures: 3, firstWaitSeconds: 900, maxWaitSeconds: 900 },
      [0, 0, 900],
    ],
    [
      'a first wait above the longest is cut to it',
      { maxFailures: 2, firstWaitSeconds: 1000, maxWaitSeconds: 900 },
      [0, 900],
    ],
    [
      'a doubling that lands exactly on the longest stops there',
      { maxFailures: 2, firstWaitSeconds: 30, maxWaitSeconds: 120 },
      [0, 30, 60, 120],
    ],
  ]
  for (const [what, rule, expected] of cases) {
    test(what, () => {
      assert.deepEqual(waitsByFailureCount(rule), expected)
    })
  }

  test('no wait is ever longer than the longest, up to the NIST account limit of 100', () => {
    for (let maxFailures = 1; maxFailures <= 100; maxFailures++) {
      const waits = waitsByFailureCount({ maxFailures, firstWaitSeconds: 1, maxWaitSeconds: 900 })
      assert.equal(waits.length, maxFailures + 10, `1 s doubles to 900 in ten steps`)
      assert.ok(waits.every((wait) => wait <= 900))
      assert.equal(waits.indexOf(1), maxFailures - 1, 'the first wait comes at the limit')
    }
  })
})

describe('the list of waits, read as the database reads it', () => {
  const waits = waitsByFailureCount({ maxFailures: 3, firstWaitSeconds: 60, maxWaitSeconds: 900 })
  const cases: [number, number][] = [
    [0, 0],
    [1, 0],
    [2, 0],
    [3, 60],
    [4, 120],
    [7, 900],
    [8, 900],
    [10_000, 900],
  ]
  for (const [failures, wait] of cases) {
    test(`after ${failures} failures the wait is ${wait} s`, () => {
      assert.equal(waitAfterFailures(waits, failures), wait)
    })
  }
})

describe('retryAfterSeconds: whole seconds, rounded up, at least 1', () => {
  const now = new Date('2026-01-01T12:00:00Z')
  const cases: [number, number][] = [
    [60_000, 60],
    [59_001, 60],
    [59_000, 59],
    [1, 1],
    [0, 1],
    [-5_000, 1],
  ]
  for (const [ms, seconds] of cases) {
    test(`a wait ending in ${ms} ms gives Retry-After ${seconds}`, () => {
      assert.equal(retryAfterSeconds(new Date(now.getTime() + ms), now), seconds)
    })
  }
})

describe('the message says the wait in words, never shorter than Retry-After', () => {
  const t = translator('en')
  const cases: [number, string][] = [
    [1, '1 second'],
    [45, '45 seconds'],
    [59, '59 seconds'],
    [60, '1 minute'],
    [61, '2 minutes'],
    [841, '15 minutes'],
    [840, '14 minutes'],
    [900, '15 minutes'],
  ]
  for (const [seconds, words] of cases) {
    test(`Retry-After ${seconds} reads "Try again in ${words}."`, () => {
      const wait = formatDuration(spokenWaitSeconds(seconds), t)
      assert.equal(t('limit.tryAgain', { wait }), `Too many attempts. Try again in ${words}.`)
      assert.ok(spokenWaitSeconds(seconds) >= seconds)
    })
  }
})

describe('clientAddressKey: what counts as one client address', () => {
  const cases: [string, string][] = [
    ['192.0.2.7', '192.0.2.7'],
    ['::ffff:192.0.2.7', '192.0.2.7'],
    ['::FFFF:c000:0207', '192.0.2.7'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:0::/56'],
    ['2001:DB8:1:2:ffff::1', '2001:db8:1:0::/56'],
    ['2001:db8::1', '2001:db8:0:0::/56'],
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8:0:0::/56'],
    ['::1', '0:0:0:0::/56'],
    ['fe80::1%eth0', 'fe80:0:0:0::/56'],
    ['64:ff9b::192.0.2.7', '64:ff9b:0:0::/56'],
    ['', UNKNOWN_ADDRESS],
    ['not an address', UNKNOWN_ADDRESS],
    ['<script>', UNKNOWN_ADDRESS],
    ['192.0.2.300', UNKNOWN_ADDRESS],
  ]
  for (const [ip, key] of cases) {
    test(`${JSON.stringify(ip)} counts as ${key}`, () => {
      assert.equal(clientAddressKey(ip), key)
    })
  }

  test('every address of one IPv6 /56 counts as the same client; another /56 is another', () => {
    const keys = new Set(
      [
        '2001:db8:a:b::1',
        '2001:db8:a:b:ffff:ffff:ffff:ffff',
        '2001:db8:a:1234::',
        '2001:db8:a:12ff::9',
      ].map(clientAddressKey),
    )
    assert.deepEqual([...keys], ['2001:db8:a:0::/56', '2001:db8:a:1200::/56'])
  })
})

describe('signInSubject: the name as the counters know it', () => {
  test('names that are the same account give the same key (NFKC and case folding)', () => {
    const keys = new Set(
      ['Straße', ' STRASSE ', 'strasse', 'ｓｔｒａｓｓｅ'].map(
        (name) => signInSubject(name, '192.0.2.1').nameKey,
      ),
    )
    assert.equal(keys.size, 1)
  })

  test('the key holds a digest, never the typed name', () => {
    const { nameKey } = signInSubject('my secret password typed in the wrong field', '192.0.2.1')
    assert.match(nameKey, /^[A-Za-z0-9_-]{43}$/)
  })

  test('different names give different keys', () => {
    assert.notEqual(signInSubject('alice', '::1').nameKey, signInSubject('alicf', '::1').nameKey)
  })
})
