import fc from 'fast-check'
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { checkPasswordPolicy, normalizePassword } from '../../src/auth/passwords.js'
import { parseSessionToken, generateSessionToken } from '../../src/auth/tokens.js'
import { checkNewUsername, checkUsername, usernameKey } from '../../src/auth/usernames.js'
import { MEMBER_CURSOR } from '../../src/http/form-fields.js'
import { safeNextPath } from '../../src/http/next-path.js'

// Properties of the rules every request goes through, over generated inputs
// (fast-check): a failure prints its seed and the smallest case found, to replay it.

const RUNS = { numRuns: 2000 }
const anyText = fc.string({ unit: 'binary', maxLength: 80 })

test('names: a key is a fixed point, and a name is one with its key', () => {
  fc.assert(
    fc.property(anyText, (typed) => {
      const key = usernameKey(typed)
      assert.equal(usernameKey(key), key, 'folding twice changes nothing')
      const checked = checkUsername(typed)
      if (checked.ok) {
        assert.equal(checkUsername(checked.username).ok, true, 'a name that passed passes again')
        assert.equal(usernameKey(checked.username.normalize('NFKC')), checked.key)
        assert.ok([...checked.username.normalize('NFKC')].length <= 32)
      }
      const fresh = checkNewUsername(typed)
      if (fresh.ok) assert.equal(checked.ok, true, 'a new name is also a name')
    }),
    RUNS,
  )
})

test('names: case and compatibility forms fold to one key', () => {
  fc.assert(
    fc.property(fc.stringMatching(/^[a-z][a-z0-9_.-]{1,20}$/), (name) => {
      assert.equal(usernameKey(name.toUpperCase()), usernameKey(name))
      const fullWidth = [...name]
        .map((c) => (c >= '!' && c <= '~' ? String.fromCharCode(c.charCodeAt(0) + 0xfee0) : c))
        .join('')
      assert.equal(usernameKey(fullWidth), usernameKey(name))
    }),
    RUNS,
  )
})

test('passwords: the policy judges the NFKC form, and never throws', () => {
  fc.assert(
    fc.property(
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.integer({ min: 8, max: 64 }),
      (password, min) => {
        const result = checkPasswordPolicy(password, min)
        assert.deepEqual(checkPasswordPolicy(normalizePassword(password), min), result)
        if (result.ok) assert.ok([...normalizePassword(password)].length >= min)
        else assert.match(result.code, /^password_too_(short|long|common)$/)
      },
    ),
    RUNS,
  )
})

test('next: whatever is typed, what is followed is a path of this site', () => {
  const probe = 'https://logon.invalid'
  fc.assert(
    fc.property(
      fc.oneof(
        anyText,
        fc.webUrl(),
        fc.webPath(),
        fc.constantFrom(
          '//evil.example',
          '/\\evil',
          '/%2f%2fevil',
          '/\t/evil',
          'javascript:alert(1)',
        ),
      ),
      (typed) => {
        const next = safeNextPath(typed)
        if (next === undefined) return
        assert.ok(next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\'), next)
        assert.equal(new URL(next, probe).origin, probe, `${JSON.stringify(typed)} → ${next}`)
        assert.equal(safeNextPath(next), next, 'a path that passed passes again, unchanged')
      },
    ),
    RUNS,
  )
})

test('cookies: a session token parses only in its own shape, and its parts round-trip', () => {
  fc.assert(
    fc.property(anyText, (cookie) => {
      const parsed = parseSessionToken(cookie)
      if (parsed) assert.equal(`${parsed.id}.${parsed.secret}`, cookie)
    }),
    RUNS,
  )
  for (let i = 0; i < 200; i++) {
    const { id, secret, token } = generateSessionToken()
    assert.deepEqual(parseSessionToken(token), { id, secret })
  }
})

test('cursors: only a positive integer without sign, exponent, base or leading zero', () => {
  fc.assert(
    fc.property(anyText, (typed) => {
      if (!MEMBER_CURSOR.test(typed)) return
      const n = Number(typed)
      assert.ok(Number.isSafeInteger(n) && n > 0 && String(n) === typed, typed)
    }),
    RUNS,
  )
  fc.assert(
    fc.property(fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }), (n) => {
      assert.equal(MEMBER_CURSOR.test(String(n)), String(n).length <= 16)
    }),
    RUNS,
  )
})
