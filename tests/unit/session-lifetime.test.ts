import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  absoluteExpiry,
  idleExpiry,
  isSessionExpired,
  sessionEndsAt,
  sessionNeedsTouch,
  touchIntervalMs,
  TOUCH_FLUSH_INTERVAL_MS,
  type SessionTimes,
} from '../../src/auth/session-lifetime.js'
import type { SessionPolicy } from '../../src/config.js'

// docs/contract.md defaults: idle 1800 s, absolute 43200 s, remember-me 2592000 s; a
// remember-me session is not subject to the idle limit; limits hold to within 1 s.
const POLICY: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43200,
  rememberTimeoutSeconds: 2592000,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}

const T0 = new Date('2026-01-01T12:00:00.000Z')
const at = (seconds: number, ms = 0): Date => new Date(T0.getTime() + seconds * 1000 + ms)

/** A session signed in at T0 and last seen `lastSeenSeconds` after it. */
function session(remember: boolean, lastSeenSeconds = 0, policy = POLICY): SessionTimes {
  return {
    createdAt: T0,
    lastSeenAt: at(lastSeenSeconds),
    expiresAt: absoluteExpiry(T0, remember, policy),
    remember,
  }
}

describe('session expiry: absolute limit', () => {
  test('a normal session ends SESSION_ABSOLUTE_TIMEOUT after sign-in', () => {
    assert.deepEqual(absoluteExpiry(T0, false, POLICY), at(43200))
  })

  test('a remember-me session ends SESSION_REMEMBER_TIMEOUT after sign-in', () => {
    assert.deepEqual(absoluteExpiry(T0, true, POLICY), at(2592000))
  })

  test('the absolute limit follows the configured values', () => {
    const policy: SessionPolicy = {
      idleTimeoutSeconds: 5,
      absoluteTimeoutSeconds: 60,
      rememberTimeoutSeconds: 600,
      maxSessionsPerAccount: 100,
      reauthMaxAgeSeconds: 600,
    }
    assert.deepEqual(absoluteExpiry(T0, false, policy), at(60))
    assert.deepEqual(absoluteExpiry(T0, true, policy), at(600))
  })
})

describe('session expiry: idle limit', () => {
  test('a normal session left unused ends SESSION_IDLE_TIMEOUT after it was last seen', () => {
    assert.deepEqual(idleExpiry(session(false, 100), POLICY), at(1900))
  })

  test('a remember-me session has no idle limit', () => {
    assert.equal(idleExpiry(session(true, 100), POLICY), null)
  })
})

describe('session expiry: when a session ends', () => {
  const cases: [string, SessionTimes, Date][] = [
    ['a fresh normal session ends at its idle limit', session(false, 0), at(1800)],
    ['a normal session used recently ends at its idle limit', session(false, 10000), at(11800)],
    [
      'a normal session near its absolute limit ends at the absolute limit',
      session(false, 42000),
      at(43200),
    ],
    ['a normal session whose limits coincide ends at both', session(false, 41400), at(43200)],
    ['a remember-me session ends at its absolute limit', session(true, 0), at(2592000)],
  ]
  for (const [what, times, endsAt] of cases) {
    test(what, () => {
      assert.deepEqual(sessionEndsAt(times, POLICY), endsAt)
    })
  }

  test('a remember-me session unused for longer than the idle limit is still valid', () => {
    const times = session(true, 0)
    for (const now of [at(1800), at(86400), at(2592000, -1)]) {
      assert.equal(isSessionExpired(times, now, POLICY), false, now.toISOString())
    }
  })
})

describe('session expiry: the boundary', () => {
  const cases: [string, SessionTimes, Date, boolean][] = [
    ['one millisecond before the idle limit', session(false, 0), at(1800, -1), false],
    ['exactly at the idle limit', session(false, 0), at(1800), true],
    ['after the idle limit', session(false, 0), at(1801), true],
    ['one millisecond before the absolute limit', session(false, 42000), at(43200, -1), false],
    ['exactly at the absolute limit', session(false, 42000), at(43200), true],
    ['after the absolute limit while in use', session(false, 43199), at(43200), true],
    ['one millisecond before the remember-me limit', session(true, 0), at(2592000, -1), false],
    ['exactly at the remember-me limit', session(true, 0), at(2592000), true],
    ['a week after the remember-me limit', session(true, 2591000), at(2592000 + 604800), true],
  ]
  for (const [what, times, now, expired] of cases) {
    test(`a ${times.remember ? 'remember-me' : 'normal'} session is ${expired ? 'expired' : 'valid'} ${what}`, () => {
      assert.equal(isSessionExpired(times, now, POLICY), expired)
    })
  }
})

describe('session expiry: writing last_seen_at', () => {
  const intervals: [number, number][] = [
    [1800, 800],
    [20, 800],
    [10, 800],
    [5, 500],
    [1, 100],
  ]
  for (const [idle, expected] of intervals) {
    test(`with an idle limit of ${idle} s last_seen_at is written every ${expected} ms at most`, () => {
      assert.equal(touchIntervalMs({ ...POLICY, idleTimeoutSeconds: idle }), expected)
    })
  }

  const touches: [string, boolean, number, SessionPolicy, boolean][] = [
    ['a normal session seen 799 ms ago', false, 799, POLICY, false],
    ['a normal session seen 0.8 s ago', false, 800, POLICY, true],
    ['a normal session seen 10 min ago', false, 600_000, POLICY, true],
    [
      'a session with a 5 s idle limit seen 499 ms ago',
      false,
      499,
      { ...POLICY, idleTimeoutSeconds: 5 },
      false,
    ],
    [
      'a session with a 5 s idle limit seen 500 ms ago',
      false,
      500,
      { ...POLICY, idleTimeoutSeconds: 5 },
      true,
    ],
    ['a remember-me session seen 1 s ago', true, 1000, POLICY, false],
    ['a remember-me session seen 59.999 s ago', true, 59_999, POLICY, false],
    ['a remember-me session seen 1 min ago', true, 60_000, POLICY, true],
    ['a remember-me session seen a day ago', true, 86_400_000, POLICY, true],
    ['a session seen in the future (clock skew)', false, -5000, POLICY, false],
  ]
  for (const [what, remember, agoMs, policy, expected] of touches) {
    test(`${what} ${expected ? 'is' : 'is not'} written`, () => {
      const times = session(remember, 100, policy)
      assert.equal(sessionNeedsTouch(times, at(100, agoMs), policy), expected)
    })
  }

  test('touch interval plus one batched flush keep last_seen_at within one second', () => {
    // docs/contract.md: limits are enforced to within one second.
    for (const idle of [1, 5, 60, 1800, 86400]) {
      const lagMs =
        touchIntervalMs({ ...POLICY, idleTimeoutSeconds: idle }) + TOUCH_FLUSH_INTERVAL_MS
      assert.ok(lagMs <= 1000, `idle ${idle}`)
    }
  })
})
