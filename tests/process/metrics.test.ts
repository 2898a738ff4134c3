import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  exitWithin,
  freePort,
  spawnServer,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'

// METRICS_PORT: /metrics on a port of its own, bound to HOST, never on PORT.

describe('the metrics port', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  let server: ChildServer
  let metricsPort: number
  before(async () => {
    dir = await tempDir('logon-metrics-')
    metricsPort = await freePort()
    server = await startServer({
      DATA_DIR: join(dir.path, 'data'),
      METRICS_PORT: String(metricsPort),
    })
  })
  after(async () => {
    await server?.kill()
    await dir?.remove()
  })

  test('serves Prometheus text on METRICS_PORT, and nothing of it on PORT', async () => {
    assert.equal((await fetch(`${server.baseUrl}/login`)).status, 200)
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`)
    assert.equal(metrics.status, 200)
    assert.match(String(metrics.headers.get('content-type')), /^text\/plain; version=0\.0\.4/)
    const text = await metrics.text()
    assert.match(
      text,
      /^logon_http_request_duration_seconds_count\{route="\/login",method="GET",status="200"\} 1$/m,
    )
    assert.match(text, /^logon_sessions_active 0$/m)
    assert.match(text, /^logon_change_feed_fresh [01]$/m)
    assert.match(text, /^logon_change_feed_heartbeat_age_seconds \S+$/m)
    assert.equal((await fetch(`${server.baseUrl}/metrics`)).status, 404)
    assert.equal((await fetch(`http://127.0.0.1:${metricsPort}/other`)).status, 404)
  })

  test('the change feed turns fresh, its newest heartbeat under 0.75 s old', async () => {
    const deadline = Date.now() + 5_000
    const scrape = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    let text = await scrape()
    while (!/^logon_change_feed_fresh 1$/m.test(text) && Date.now() < deadline) {
      await sleep(50)
      text = await scrape()
    }
    assert.match(text, /^logon_change_feed_fresh 1$/m)
    const age = Number(/^logon_change_feed_heartbeat_age_seconds (\S+)$/m.exec(text)?.[1])
    assert.ok(age >= 0 && age < 0.75, `heartbeat age ${age} s`)
  })

  test('METRICS_PORT equal to PORT stops the start, naming it', async () => {
    const port = await freePort()
    const same = spawnServer({
      HOST: '127.0.0.1',
      PORT: String(port),
      METRICS_PORT: String(port),
      DATA_DIR: join(dir.path, 'same'),
      LOG_LEVEL: 'warn',
    })
    try {
      const exit = await exitWithin(same, 30_000)
      assert.notEqual(exit.code, 0)
      assert.match(same.stderr(), /METRICS_PORT: must not be PORT/)
    } finally {
      await same.kill()
    }
  })
})
