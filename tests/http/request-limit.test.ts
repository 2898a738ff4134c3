import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// REQUESTS_PER_ADDRESS_PER_MINUTE (docs/contract.md "Limits"): a flood from one client
// address is refused with 429 and Retry-After once it has had its minute's share, on
// pages and API alike; other addresses and the health probes go on.

const PER_MINUTE = 60

describe('the per-address request limit', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp('pglite', {
      env: { TRUST_PROXY: 'true', REQUESTS_PER_ADDRESS_PER_MINUTE: String(PER_MINUTE) },
    })
  })
  after(() => t.close())

  const get = (url: string, ip: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'GET', url, headers: { 'x-forwarded-for': ip, ...headers } })

  test('a burst from one address gets exactly its share, then 429 with Retry-After', async () => {
    const answers = await Promise.all(
      Array.from({ length: PER_MINUTE + 40 }, () => get('/login', '198.51.100.10')),
    )
    const ok = answers.filter((a) => a.statusCode === 200).length
    const refused = answers.filter((a) => a.statusCode === 429)
    assert.equal(ok, PER_MINUTE)
    assert.equal(refused.length, 40)
    const one = refused[0]!
    const wait = Number(one.headers['retry-after'])
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`)
    assert.match(String(one.headers['content-type']), /^text\/plain/)
    assert.equal(one.headers['x-ratelimit-limit'], undefined, 'no counters on the answers')
    assert.ok(one.headers['x-request-id'], 'the refusal has its request id')
  })

  test('the API answers the same refusal as a problem', async () => {
    for (let i = 0; i < PER_MINUTE; i++) await get('/api/v1/session', '198.51.100.11')
    const refused = await get('/api/v1/session', '198.51.100.11', { 'accept-language': 'zh-CN' })
    assert.equal(refused.statusCode, 429)
    assert.equal(refused.headers['content-type'], 'application/problem+json; charset=utf-8')
    const problem = JSON.parse(refused.body)
    assert.equal(problem.code, 'too_many_requests')
    assert.equal(problem.retry_after, Number(refused.headers['retry-after']))
  })

  test('other addresses, an IPv6 network apart, and the probes go on; the minute passes', async () => {
    for (let i = 0; i < PER_MINUTE; i++) await get('/login', '2001:db8:1:100::1')
    // The same /56: one address to the limit.
    assert.equal((await get('/login', '2001:db8:1:1ff::2')).statusCode, 429)
    assert.equal((await get('/login', '2001:db8:1:200::1')).statusCode, 200, 'another /56')
    assert.equal((await get('/login', '198.51.100.12')).statusCode, 200)
    for (const probe of ['/healthz', '/readyz']) {
      assert.equal((await get(probe, '2001:db8:1:100::1')).statusCode, 200, probe)
    }
  })
})

describe('RATE_LIMITS=off (benchmarks only) lifts it', () => {
  test('a thousand requests from one address all answer', async () => {
    const t = await startTestApp('pglite', {
      env: { RATE_LIMITS: 'off', REQUESTS_PER_ADDRESS_PER_MINUTE: '60' },
    })
    try {
      const answers = await Promise.all(
        Array.from({ length: 200 }, () => t.app.inject({ method: 'GET', url: '/healthz' })),
      )
      assert.ok(answers.every((a) => a.statusCode === 200))
      const pages = await Promise.all(
        Array.from({ length: 100 }, () => t.app.inject({ method: 'GET', url: '/login' })),
      )
      assert.ok(pages.every((a) => a.statusCode === 200))
    } finally {
      await t.close()
    }
  })
})
