import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { describeDevice } from '../../src/auth/devices.js'

describe('describeDevice names browser and system from a User-Agent', () => {
  const cases: Array<[string, string | null, { browser: string | null; os: string | null }]> = [
    [
      'Firefox on Linux',
      'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
      { browser: 'Firefox', os: 'Linux' },
    ],
    [
      'Chrome on Windows',
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
      { browser: 'Chrome', os: 'Windows' },
    ],
    [
      'Safari on iPhone',
      'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      { browser: 'Mobile Safari', os: 'iOS' },
    ],
    ['curl', 'curl/8.5.0', { browser: null, os: null }],
    ['no header', null, { browser: null, os: null }],
    ['garbage', '<script>alert(1)</script>', { browser: null, os: null }],
  ]
  for (const [name, userAgent, expected] of cases) {
    test(name, () => assert.deepEqual(describeDevice(userAgent), expected))
  }
})
