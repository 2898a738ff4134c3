import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { cachesOf, metricsOf } from '../../src/app.js'
import { TestClient } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// The Prometheus metrics (docs/deploy.md "Metrics"): counted from real answers.

const PASSWORD = 'a long and uncommon passphrase'

/** The value of one series in Prometheus's text format, 0 when it is not there. */
function value(text: string, series: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `))
  return line === undefined ? 0 : Number(line.slice(series.length + 1))
}

describe('metrics', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp('pglite', {
      env: {
        METRICS_PORT: '9464',
        TRUST_PROXY: 'true',
        SIGN_IN_FAILURES_PER_NAME_ADDRESS: '2',
      },
    })
  })
  after(() => t.close())

  const scrape = () => metricsOf(t.app)!.registry.metrics()

  test('sign-ins by outcome, refusals by limit, answers by route, sessions and hashes', async () => {
    const client = new TestClient(t.app, { 'x-forwarded-for': '198.51.100.1' })
    assert.equal((await client.register('counted', PASSWORD)).statusCode, 303)
    assert.equal((await client.login('counted', PASSWORD)).statusCode, 303)
    const wrong = new TestClient(t.app, { 'x-forwarded-for': '198.51.100.2' })
    for (let i = 0; i < 2; i++)
      assert.equal((await wrong.login('counted', 'wrong')).statusCode, 401)
    assert.equal((await wrong.login('counted', PASSWORD)).statusCode, 429)
    const api = await t.app.inject({
      method: 'POST',
      url: '/api/v1/session',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': '198.51.100.3' },
      payload: { username: 'counted', password: PASSWORD },
    })
    assert.equal(api.statusCode, 201)
    await t.app.inject({ method: 'GET', url: '/no-such-page' })

    const text = await scrape()
    assert.equal(value(text, 'logon_sign_ins_total{outcome="signed_in"}'), 2)
    assert.equal(value(text, 'logon_sign_ins_total{outcome="failed"}'), 2)
    assert.equal(value(text, 'logon_sign_ins_total{outcome="refused"}'), 1)
    assert.equal(value(text, 'logon_limit_refusals_total{limit="sign_in"}'), 1)
    assert.equal(
      value(
        text,
        'logon_http_request_duration_seconds_count{route="/login",method="POST",status="401"}',
      ),
      2,
    )
    assert.equal(
      value(
        text,
        'logon_http_request_duration_seconds_count{route="unmatched",method="GET",status="404"}',
      ),
      1,
      'an unknown address is one series, whatever it was',
    )
    assert.equal(
      value(text, 'logon_sessions_active'),
      2,
      'the page sign-in replaced its registration session; the API one',
    )
    assert.equal(value(text, 'logon_password_hashes{state="waiting"}'), 0)
    assert.match(text, /^nodejs_eventloop_lag_seconds /m)
    assert.doesNotMatch(text, /counted|198\.51\.100/, 'no name or address in a label')
  })

  test('the change feed: fresh, with the age of the newest heartbeat that came back', async () => {
    await cachesOf(t.app)!.caughtUp()
    const text = await scrape()
    assert.equal(value(text, 'logon_change_feed_fresh'), 1)
    const age = value(text, 'logon_change_feed_heartbeat_age_seconds')
    assert.ok(age >= 0 && age < 0.75, `heartbeat age ${age} s`)
  })
})

describe('metrics without METRICS_PORT', () => {
  test('are not collected at all', async () => {
    const t = await startTestApp('pglite')
    try {
      assert.equal(metricsOf(t.app), undefined)
    } finally {
      await t.close()
    }
  })
})

describe(
  'metrics on PostgreSQL',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    test("the pool's connections: in use, idle, waiting", async () => {
      const t = await startTestApp('postgres', { env: { METRICS_PORT: '9464' } })
      try {
        await Promise.all(
          Array.from({ length: 5 }, () => t.app.inject({ method: 'GET', url: '/readyz' })),
        )
        const text = await metricsOf(t.app)!.registry.metrics()
        // Read while the scrape's own count of sessions runs: the numbers move, the series stand.
        for (const state of ['in_use', 'idle', 'waiting']) {
          assert.match(
            text,
            new RegExp(`^logon_db_pool_connections\\{state="${state}"\\} \\d+$`, 'm'),
          )
        }
        const open =
          value(text, 'logon_db_pool_connections{state="idle"}') +
          value(text, 'logon_db_pool_connections{state="in_use"}')
        assert.ok(open >= 1, `connections open: ${open}`)
      } finally {
        await t.close()
      }
    })
  },
)
