import assert from 'node:assert/strict'
import http from 'node:http'
import { after, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { exitWithin, startServer, tempDir, type ChildServer } from '../helpers/child-server.js'
import { clientAddress, LoadClient, RequestFailed, Tally } from '../helpers/load-client.js'

// Issue 14: "SIGTERM during load: no client sees a reset connection for a request the
// server accepted". Browsers on keep-alive connections go on sending while the server
// stops: each request gets its whole, ordinary answer, or is refused at connect once
// the listener has closed (a client, or a proxy, can send that one elsewhere); a reset
// or a hang-up would leave the client not knowing whether its request was done. And
// docs/contract.md: exit 0 within 10 s.

const CLIENTS = 12
const PASSWORD = 'a long and uncommon passphrase'
const LOAD_BEFORE_SIGNAL_MS = 2_000
/** What each request of the loop answers while the server runs. */
const EXPECTED: Record<string, number> = {
  'GET /login': 200,
  'POST /login': 303,
  'GET /': 200,
}

let dir: Awaited<ReturnType<typeof tempDir>> | undefined
let server: ChildServer | undefined
const agents: http.Agent[] = []
after(async () => {
  for (const agent of agents) agent.destroy()
  await server?.kill()
  await dir?.remove()
})

test(
  'SIGTERM while 12 keep-alive browsers sign in and load pages: every request is answered in full or refused at connect, and the process exits 0 within 10 s',
  { timeout: 60_000 },
  async (t) => {
    dir = await tempDir('logon-sigterm-load-')
    server = await startServer({
      DATA_DIR: dir.path,
      // Each browser is a client address of its own (X-Forwarded-For), so that the
      // per-address share of the password-hashing line holds each one's sign-in.
      TRUST_PROXY: 'true',
      SIGN_INS_PER_ADDRESS_PER_MINUTE: '1000',
      // The cheapest hashing allowed: many sign-ins a second, each still in flight a while.
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      PASSWORD_HASH_THREADS: '2',
    })
    const tally = new Tally()
    const browsers = Array.from({ length: CLIENTS }, (_, i) => {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
      agents.push(agent)
      return new LoadClient(server!.baseUrl, {
        agent,
        tally,
        headers: { 'x-forwarded-for': clientAddress(i) },
      })
    })
    await Promise.all(
      browsers.map(async (browser, i) => {
        const registered = await browser.submit('/register', '/register', {
          username: `term_${i}`,
          password: PASSWORD,
        })
        assert.equal(registered.status, 303, registered.body)
      }),
    )
    tally.outcomes.length = 0 // the load starts here

    let signalledAt = Infinity
    const loops = browsers.map(async (browser, i) => {
      try {
        for (;;) {
          const signedIn = await browser.submit('/login', '/login', {
            username: `term_${i}`,
            password: PASSWORD,
          })
          if (signedIn.status !== 303) continue // wrong: counted below
          await browser.get('/')
        }
      } catch (error) {
        // The loop ends at the first request that got no answer (refused, or worse).
        if (!(error instanceof RequestFailed)) throw error
      }
    })
    await sleep(LOAD_BEFORE_SIGNAL_MS)
    signalledAt = Date.now()
    server.proc.kill('SIGTERM')
    const exit = await exitWithin(server, 10_000)
    const exitedAfterMs = Date.now() - signalledAt
    await Promise.all(loops)

    const outcomes = tally.outcomes
    const beforeSignal = outcomes.filter((o) => o.endedAt < signalledAt)
    const afterSignal = outcomes.filter((o) => o.endedAt >= signalledAt)
    const inFlight = outcomes.filter(
      (o) => o.status !== undefined && o.startedAt < signalledAt && o.endedAt >= signalledAt,
    )
    const refused = outcomes.filter((o) => o.error === 'ECONNREFUSED')
    const otherFailures = outcomes.filter(
      (o) => o.error !== undefined && o.error !== 'ECONNREFUSED',
    )
    const unexpected = outcomes.filter(
      (o) => o.status !== undefined && o.status !== EXPECTED[o.what],
    )
    t.diagnostic(
      `${outcomes.length} requests: ${beforeSignal.length} answered before SIGTERM ` +
        `(${tally.summary(beforeSignal)}), after it ${tally.summary(afterSignal)}; ` +
        `${inFlight.length} in flight at the signal and answered; ` +
        `max latency ${tally.maxMs()} ms; exited ${exitedAfterMs} ms after SIGTERM`,
    )

    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr())
    assert.ok(exitedAfterMs < 10_000, `exited ${exitedAfterMs} ms after SIGTERM`)
    assert.ok(beforeSignal.length > CLIENTS, 'the load ran before the signal')
    assert.ok(inFlight.length > 0, 'some requests were in flight at the signal')
    assert.deepEqual(
      otherFailures.map((o) => `${o.what}: ${o.error}`),
      [],
      'no request was reset, hung up on, cut off or left unanswered',
    )
    assert.deepEqual(
      unexpected.map((o) => `${o.what}: ${o.status}`),
      [],
      'every answer was the ordinary one (no 503 while draining)',
    )
    for (const o of refused) {
      assert.ok(o.startedAt >= signalledAt, 'refused only once the server was stopping')
    }
    assert.equal(refused.length, CLIENTS, 'every browser ended refused at connect')
  },
)
