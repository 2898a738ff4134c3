import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { DocumentCheck } from '../helpers/api-client.js'

// GET /api/v1/openapi.json: generated from the routes' zod schemas at run time (no
// file of it is kept), and valid OpenAPI 3.1. That each answer the tests receive
// matches it is checked by tests/helpers/api-client.ts, in every API test.

describe('the OpenAPI document', () => {
  let t: TestApp
  let check: DocumentCheck
  before(async () => {
    t = await startTestApp('pglite')
    check = await DocumentCheck.of(t.app)
  })
  after(() => t.close())

  test('is valid OpenAPI 3.1', async () => {
    const validity = await check.validity()
    assert.equal(validity.version, '3.1')
    assert.equal(validity.valid, true, JSON.stringify(validity.errors, null, 2))
  })

  test("lists the API's operations, and nothing else (the page routes, /openapi.json itself)", () => {
    const listed = Object.entries(check.document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`))
      .sort()
    assert.deepEqual(listed, [
      'DELETE /api/v1/account',
      'DELETE /api/v1/session',
      'DELETE /api/v1/sessions/{id}',
      'GET /api/v1/members',
      'GET /api/v1/session',
      'GET /api/v1/sessions',
      'POST /api/v1/session',
      'POST /api/v1/session/reauthenticate',
      'POST /api/v1/session/two-factor',
      'POST /api/v1/users',
      'PUT /api/v1/password',
    ])
  })

  test('describes problems as application/problem+json with the stable codes', () => {
    const signIn = check.document.paths['/api/v1/session']!.post!.responses
    assert.deepEqual(Object.keys(signIn['401']!.content!), ['application/problem+json'])
    const problem = check.document.components.schemas.Problem as {
      properties: { code: { enum: string[] } }
    }
    for (const code of ['invalid_credentials', 'too_many_attempts', 'forbidden_origin']) {
      assert.ok(problem.properties.code.enum.includes(code), code)
    }
  })

  test('is served as JSON, and may be cached a little', async () => {
    const answer = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    assert.equal(answer.headers['content-type'], 'application/json; charset=utf-8')
    assert.equal(answer.headers['cache-control'], 'public, max-age=300')
    assert.equal(JSON.parse(answer.body).openapi, '3.1.0')
  })
})
