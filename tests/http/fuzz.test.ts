import fc from 'fast-check'
import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// A bounded fuzz run over every address (docs/contract.md): generated methods, paths,
// queries, headers, cookies and bodies. No answer is a 5xx, none holds a stack, SQL or a
// hash, and the server still answers after it. fast-check prints the seed and the
// smallest failing request when one fails.

const PATHS = [
  '/',
  '/register',
  '/regist',
  '/login',
  '/logout',
  '/login/two-factor',
  '/account',
  '/account/sessions/revoke',
  '/account/password',
  '/account/delete',
  '/account/two-factor',
  '/account/two-factor/disable',
  '/account/two-factor/recovery-codes',
  '/account/confirm',
  '/account/passkeys/options',
  '/account/passkeys',
  '/account/passkeys/rename',
  '/account/passkeys/remove',
  '/passkeys/sign-in/options',
  '/passkeys/sign-in',
  '/auth/verify',
  '/language/en',
  '/language/zh-CN',
  '/healthz',
  '/readyz',
  '/assets/passkeys.js',
  '/api/v1/users',
  '/api/v1/session',
  '/api/v1/session/two-factor',
  '/api/v1/session/reauthenticate',
  '/api/v1/sessions',
  '/api/v1/sessions/x',
  '/api/v1/password',
  '/api/v1/account',
  '/api/v1/members',
  '/api/v1/openapi.json',
]
const LEAKS = /\bat [\w.<>]+ \(|node:internal|SELECT |INSERT |\$argon2|ZodError|FST_ERR/

const field = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 }),
)
const jsonBody = fc
  .dictionary(
    fc.constantFrom(
      'username',
      'password',
      'token',
      'code',
      'step',
      'remember',
      'current_password',
      'new_password',
      '_csrf',
      'next',
      '__proto__',
      'constructor',
    ),
    field,
    { maxKeys: 5 },
  )
  .map((body) => JSON.stringify(body))
const request = fc.record({
  method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'),
  path: fc.constantFrom(...PATHS),
  query: fc.oneof(
    fc.constant(''),
    fc.webQueryParameters().map((q) => `?${q}`),
    fc.constantFrom('?after=1e3', '?next=//evil', '?after=%00', '?next=%E0%A4%A'),
  ),
  contentType: fc.constantFrom(
    undefined,
    'application/json',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/xml',
    'application/json; charset=latin1',
  ),
  body: fc.oneof(
    fc.constant(undefined),
    jsonBody,
    fc.string({ maxLength: 200 }),
    fc.webQueryParameters(),
  ),
  cookie: fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 60 }).map((v) => `session=${encodeURIComponent(v)}`),
    fc.constantFrom(
      'session=a.b; csrf=x',
      'session=' + 'x'.repeat(20) + '.' + 'y'.repeat(43),
      'lang=xx',
      'device=1.2.3.4',
      'sign-in-step=a.b',
    ),
  ),
  authorization: fc.oneof(
    fc.constant(undefined),
    fc.string({ maxLength: 60 }).map((v) => `Bearer ${v}`),
    fc.constant('Basic Zm9vOmJhcg=='),
  ),
  origin: fc.constantFrom(undefined, 'http://localhost:80', 'https://evil.example', 'null'),
  language: fc.constantFrom(undefined, 'zh-CN', 'en', '*;q=x', 'zh-Hant-TW,en;q=0.2'),
})

describe('fuzzing every address', () => {
  let t: TestApp
  let signedInCookie: string
  before(async () => {
    t = await startTestApp('pglite')
    const owner = new TestClient(t.app)
    await owner.register('fuzzed', 'a long and uncommon passphrase')
    signedInCookie = `session=${owner.jar.get('session')}; csrf=${owner.jar.get('csrf') ?? ''}`
  })
  after(() => t.close())

  test('no 5xx, no leak, and the server still answers', async () => {
    await fc.assert(
      fc.asyncProperty(request, fc.boolean(), async (r, asOwner) => {
        const headers: Record<string, string> = {}
        if (r.contentType) headers['content-type'] = r.contentType
        const cookie = asOwner ? signedInCookie : r.cookie
        if (cookie) headers.cookie = cookie
        if (r.authorization) headers.authorization = r.authorization
        if (r.origin) headers.origin = r.origin
        if (r.language) headers['accept-language'] = r.language
        const answer = await t.app.inject({
          method: r.method as 'GET',
          url: `${r.path}${r.query}`,
          headers,
          ...(r.body === undefined || r.method === 'GET' || r.method === 'HEAD'
            ? {}
            : { payload: r.body }),
        })
        assert.ok(answer.statusCode < 500, `${answer.statusCode} ${answer.body.slice(0, 300)}`)
        assert.doesNotMatch(answer.body, LEAKS)
      }),
      { numRuns: 600 },
    )
    assert.equal((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    // The owner's account stands: nothing the fuzzing sent changed its password.
    const again = await new TestClient(t.app).login('fuzzed', 'a long and uncommon passphrase')
    assert.equal(again.statusCode, 303)
  })
})
