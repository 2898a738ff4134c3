import assert from 'node:assert/strict'
import { connect, type AddressInfo } from 'node:net'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { signedInAs } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Answers Fastify writes before any hook runs once came as its own JSON, without
// the security headers that every response must carry (docs/contract.md).

describe('answers before routing', () => {
  let t: TestApp
  let port: number
  before(async () => {
    t = await startTestApp('pglite')
    await t.app.listen({ port: 0, host: '127.0.0.1' })
    port = (t.app.server.address() as AddressInfo).port
  })
  after(() => t.close())

  test('a URL that does not decode gets the 400 page with the security headers', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/%`)
    assert.equal(response.status, 400)
    assert.match(response.headers.get('content-type') ?? '', /text\/html/)
    assert.match(response.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/)
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff')
    assert.ok(response.headers.get('referrer-policy'))
    assert.doesNotMatch(await response.text(), /FST_|statusCode/)
  })

  test('a malformed request line gets a plain 400 with the security headers', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () =>
        socket.write('GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n'),
      )
      let data = ''
      socket.on('data', (chunk) => (data += chunk))
      socket.on('close', () => resolve(data))
      socket.on('error', reject)
      socket.setTimeout(3000, () => socket.destroy(new Error('no answer')))
    })
    assert.match(raw, /^HTTP\/1\.1 400 /)
    assert.match(raw, /content-security-policy: default-src 'none'/i)
    assert.match(raw, /x-content-type-options: nosniff/i)
    assert.doesNotMatch(raw, /Client Error|"error"/)
  })

  test('a lowered SESSION_ABSOLUTE_TIMEOUT also ends sessions opened before', async () => {
    const client = new TestClient(t.app)
    await client.register('longlived', 'a long and uncommon passphrase')
    const { buildApp } = await import('../../src/app.js')
    const { loadConfig } = await import('../../src/config.js')
    const stricter = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'silent', SESSION_ABSOLUTE_TIMEOUT: '60' }),
      db: t.db,
      secret: 'another-secret-0123456789abcdef0123456789',
      now: () => new Date(t.clock.now().getTime() + 61_000),
    })
    try {
      const cookie = `session=${client.jar.get('session')}`
      const response = await stricter.inject({ method: 'GET', url: '/', headers: { cookie } })
      assert.equal(signedInAs(response.body), null)
    } finally {
      await stricter.close()
    }
  })
})
