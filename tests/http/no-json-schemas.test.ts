import type { FastifyInstance } from 'fastify'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { test } from 'node:test'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import { openTestDatabase } from '../helpers/databases.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// Logon validates input with zod, so Fastify's JSON-schema compilers (ajv,
// fast-json-stringify) are never loaded: they cost about 100 ms of a cold start. A
// route that declares a schema anyway must stop the start, not bring them back.

const loadedModules = () => Object.keys(createRequire(import.meta.url).cache)

/** The app as buildApp returns it, before ready(): routes may still be added. */
async function withUnreadyApp(use: (app: FastifyInstance) => Promise<void>) {
  const { db, close } = await openTestDatabase('pglite')
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent' }),
    db,
    secret: TEST_SECRET,
    cache: false,
  })
  try {
    await use(app)
  } finally {
    await app.close().catch(() => {})
    await close()
  }
}

test('the app starts and answers without loading ajv or fast-json-stringify', () =>
  withUnreadyApp(async (app) => {
    await app.ready()
    assert.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200)
    assert.equal((await app.inject({ method: 'GET', url: '/no-such-page' })).statusCode, 404)
    const xml = await app.inject({
      method: 'POST',
      url: '/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    })
    assert.equal(xml.statusCode, 415)
    // The API validates and serialises with zod, and generates its document from zod.
    const refused = await app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json' },
      payload: { username: 42 },
    })
    assert.equal(refused.statusCode, 400)
    const created = await app.inject({
      method: 'POST',
      url: '/api/v1/users',
      headers: { 'content-type': 'application/json' },
      payload: { username: 'schemaless', password: 'a long and uncommon passphrase' },
    })
    assert.equal(created.statusCode, 201)
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).statusCode, 200)
    // fast-json-stringify's small runtime (lib/serializer.js) serves Fastify's
    // precompiled error serializer; its compiler (index.js) and ajv are the heavy part.
    const compilers = loadedModules().filter((path) =>
      /node_modules\/(ajv\/|@fastify\/ajv-compiler\/|fast-json-stringify\/index\.js$)/.test(path),
    )
    assert.deepEqual(compilers, [])
  }))

test('a route that declares a JSON schema stops the start with a clear message', () =>
  withUnreadyApp(async (app) => {
    app.get(
      '/with-schema',
      { schema: { querystring: { type: 'object', properties: { q: { type: 'string' } } } } },
      async () => 'unreachable',
    )
    await assert.rejects(async () => void (await app.ready()), /routes declare no JSON schema/)
  }))
