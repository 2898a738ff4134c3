import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { safeNextPath } from '../../src/http/next-path.js'

// docs/contract.md: `next` is honoured only when it starts with a single "/" (not "//" or
// "/\"), has no scheme and no control characters; otherwise sign-in lands on "/".

describe('safeNextPath: local paths are kept', () => {
  const accepted = [
    '/',
    '/account',
    '/a?b=c#d',
    '/account?next=//evil.com',
    '/a/b//c',
    '/%2F%2Fevil.com',
    '/caf%C3%A9',
    `/${'a'.repeat(1000)}`,
  ]
  for (const path of accepted) {
    test(`${JSON.stringify(path.slice(0, 40))} is returned unchanged`, () => {
      assert.equal(safeNextPath(path), path)
    })
  }
})

describe('safeNextPath: a path outside ASCII comes back percent-encoded', () => {
  // Regression: "/张三" went raw into the Location header, which Node refuses
  // after the session was made: a 500 and a lost sign-in. "/é" went out as Latin-1.
  const encoded: [string, string][] = [
    ['/张三', '/%E5%BC%A0%E4%B8%89'],
    ['/é', '/%C3%A9'],
    ['/a b', '/a%20b'],
    ['/x?q=张', '/x?q=%E5%BC%A0'],
  ]
  for (const [path, expected] of encoded) {
    test(`${JSON.stringify(path)} becomes ${expected}`, () => {
      assert.equal(safeNextPath(path), expected)
    })
  }
})

describe('safeNextPath: everything else is refused', () => {
  const refused: [string, unknown][] = [
    ['a protocol-relative URL', '//evil.com'],
    ['a protocol-relative URL with a path', '//evil.com/account'],
    ['a backslash after the slash', '/\\evil.com'],
    ['a backslash and a slash', '/\\/evil.com'],
    ['a leading backslash', '\\\\evil.com'],
    ['an absolute https URL', 'https://evil.com'],
    ['an absolute URL in capitals', 'HTTPS://EVIL.COM'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['a data: URL', 'data:text/html,<script>alert(1)</script>'],
    ['a tab between the slashes', '/\t/evil.com'],
    ['a line feed between the slashes', '/\n/evil'],
    ['a carriage return and line feed', '/\r\n/evil'],
    ['a C1 control character (NEL)', '/\u0085x'],
    ['a NUL character', '/account\u0000'],
    ['a DEL character', '/account\u007f'],
    ['an escape character', '/\u001b/evil'],
    ['the empty string', ''],
    ['a relative path', 'account'],
    ['a dot path', './account'],
    ['a leading space', ' /account'],
    ['a query only', '?next=/'],
    ['a fragment only', '#top'],
    ['an over-long path', `/${'a'.repeat(10_000)}`],
    ['undefined', undefined],
    ['null', null],
    ['a number', 42],
    ['an array holding a path', ['/account']],
    ['an object that prints as a path', { toString: () => '/account' }],
  ]
  for (const [what, next] of refused) {
    test(`${what} is refused`, () => {
      assert.equal(safeNextPath(next), undefined)
    })
  }
})
