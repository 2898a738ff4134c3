import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { startServer, type ChildServer } from '../helpers/child-server.js'
import {
  clientAddress,
  LoadClient,
  RequestFailed,
  Tally,
  type Outcome,
} from '../helpers/load-client.js'
import { signedInAs } from '../helpers/pages.js'
import {
  locatePostgres,
  startThrowawayPostgres,
  type ThrowawayPostgres,
} from '../helpers/throwaway-postgres.js'

// Issue 14: "PostgreSQL restarted under load (a throwaway cluster the test starts):
// answers during the outage are 503 within the contract's bound, none hangs, no 5xx
// after it is back, nothing acknowledged before it is lost." docs/contract.md: "While
// the database does not answer, every request that needs it gets 503 within 5 seconds
// with a short plain message; /readyz turns 503 within 5 seconds and back to 200 within
// 10 seconds of the database's return." tests/process/database-outage.test.ts plays
// the outage with a proxy, one request at a time; here the real server goes down
// (pg_ctl stop -m fast, which ends every connection) while people keep coming.

const PASSWORD = 'a long and uncommon passphrase'
const WORKERS = 6
const LOAD_BEFORE_MS = 3_000
const OUTAGE_MS = 4_000
const SETTLE_MS = 1_000
const LOAD_AFTER_MS = 3_000
/** docs/contract.md's bound for a 503. */
const UNAVAILABLE_WITHIN_MS = 5_000
/** No request may take longer than this, answered or not: none hangs. */
const NO_HANG_MS = 10_000
/** What each request answers while the database is up. */
const ORDINARY: Record<string, number> = {
  'GET /register': 200,
  'POST /register': 303,
  'GET /': 200,
  'GET /login': 200,
  'POST /login': 303,
}

const bin = locatePostgres()
const skip = bin
  ? false
  : process.env.CI === 'true'
    ? false // fails in before(): CI has PostgreSQL
    : 'no PostgreSQL under /usr/lib/postgresql (apt-get install -y postgresql)'

describe('PostgreSQL restarted under load', { skip, timeout: 120_000 }, () => {
  let cluster: ThrowawayPostgres | undefined
  let server: ChildServer | undefined
  before(async () => {
    if (!bin) throw new Error('CI=true but PostgreSQL is not installed under /usr/lib/postgresql')
    cluster = await startThrowawayPostgres(bin)
    server = await startServer({
      DATABASE_URL: cluster.url,
      // Each worker is a client address of its own (X-Forwarded-For), as people are.
      TRUST_PROXY: 'true',
      SIGN_INS_PER_ADDRESS_PER_MINUTE: '1000',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      PASSWORD_HASH_THREADS: '2',
    })
  })
  after(async () => {
    await server?.kill()
    await cluster?.remove()
  })

  test('during the outage a plain 503 within 5 s, nothing hangs, no 5xx once it is back, and every acknowledged registration signs in after', async (t) => {
    const baseUrl = server!.baseUrl
    const tally = new Tally()
    const registered: { username: string; at: number }[] = []
    let stopping = false
    let next = 0
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      const headers = { 'x-forwarded-for': clientAddress(w) }
      // Each worker signs in to accounts it made: people, not a race for one account.
      const mine: string[] = []
      while (!stopping) {
        const username = `restart_${next++}`
        const options = { tally, headers, timeoutMs: NO_HANG_MS }
        try {
          const newcomer = new LoadClient(baseUrl, options)
          const made = await newcomer.submit('/register', '/register', {
            username,
            password: PASSWORD,
          })
          if (made.status === 303) {
            registered.push({ username, at: Date.now() })
            mine.push(username)
          }
          await newcomer.get('/')
          const known = mine[Math.floor(Math.random() * mine.length)]
          if (known) {
            await new LoadClient(baseUrl, options).submit('/login', '/login', {
              username: known,
              password: PASSWORD,
            })
          }
        } catch (error) {
          if (!(error instanceof RequestFailed)) throw error // tallied
        }
        await sleep(20)
      }
    })

    await sleep(LOAD_BEFORE_MS)
    const stopBegan = Date.now()
    await cluster!.stop()
    const stopped = Date.now()
    await sleep(OUTAGE_MS)
    const startBegan = Date.now()
    await cluster!.start()
    const started = Date.now()
    let ready: number | undefined
    while (Date.now() - started < 15_000) {
      const probe = await new LoadClient(baseUrl, { timeoutMs: 5_000 })
        .get('/readyz')
        .catch(() => undefined)
      if (probe?.status === 200) {
        ready = Date.now()
        break
      }
      await sleep(100)
    }
    const settled = (ready ?? Date.now()) + SETTLE_MS
    await sleep(settled + LOAD_AFTER_MS - Date.now())
    stopping = true
    await Promise.all(workers)

    const outcomes = tally.outcomes
    const within = (from: number, to: number) =>
      outcomes.filter((o) => o.startedAt >= from && o.endedAt <= to)
    const beforeStop = outcomes.filter((o) => o.endedAt < stopBegan)
    const down = within(stopped, startBegan)
    const back = outcomes.filter((o) => o.startedAt >= settled)
    const unavailable = outcomes.filter((o) => o.status === 503)
    const ms = (o: Outcome) => o.endedAt - o.startedAt
    const acknowledgedBefore = registered.filter((r) => r.at < stopBegan)
    t.diagnostic(
      `${outcomes.length} requests from ${WORKERS} workers; before the stop: ${tally.summary(beforeStop)}; ` +
        `while down (${startBegan - stopped} ms): ${tally.summary(down)}, slowest 503 ${tally.maxMs(unavailable)} ms; ` +
        `ready ${ready === undefined ? 'never' : `${ready - started} ms`} after the start; ` +
        `once back: ${tally.summary(back)}; max latency ${tally.maxMs()} ms; ` +
        `${acknowledgedBefore.length} registrations acknowledged before the stop, ${registered.length} in all`,
    )

    assert.equal(server!.proc.exitCode, null, `the server kept running: ${server!.stderr()}`)
    assert.ok(ready !== undefined, '/readyz turned 200 again')
    assert.ok(ready - started < 10_000, `/readyz 200 ${ready - started} ms after the return`)
    assert.deepEqual(
      tally.failed.map((o) => `${o.what}: ${o.error}`),
      [],
      `every request was answered within ${NO_HANG_MS} ms: none hung or was cut off`,
    )
    assert.ok(acknowledgedBefore.length >= WORKERS, 'the load ran before the stop')
    assert.ok(
      down.some((o) => o.status === 503),
      'the outage was seen: some requests got 503',
    )
    for (const o of outcomes) {
      assert.ok(
        o.status === ORDINARY[o.what] || o.status === 503,
        `${o.what}: ${o.status} is its ordinary answer or 503, never another failure`,
      )
    }
    for (const o of unavailable) {
      assert.ok(ms(o) < UNAVAILABLE_WITHIN_MS, `${o.what}: 503 after ${ms(o)} ms`)
    }
    for (const o of down.filter((o) => o.what.startsWith('POST'))) {
      assert.equal(o.status, 503, `${o.what} while the database is down`)
    }
    assert.ok(back.length > WORKERS, 'the load went on once the database was back')
    assert.deepEqual(
      back.filter((o) => o.status !== ORDINARY[o.what]).map((o) => `${o.what}: ${o.status}`),
      [],
      'once back and settled, every answer is the ordinary one',
    )

    // Nothing acknowledged is lost: every account answered 303 before the stop signs in,
    // and is greeted; so do the first 50 made after it.
    const toCheck = [
      ...acknowledgedBefore,
      ...registered.filter((r) => r.at >= stopBegan).slice(0, 50),
    ]
    let k = 0
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = k++; i < toCheck.length; i = k++) {
          const { username } = toCheck[i]!
          const person = new LoadClient(baseUrl, {
            headers: { 'x-forwarded-for': clientAddress(100 + i) },
          })
          const signedIn = await person.submit('/login', '/login', { username, password: PASSWORD })
          assert.equal(signedIn.status, 303, `${username} signs in after the restart`)
          assert.equal(signedInAs((await person.get('/')).body), username)
        }
      }),
    )
  })
})
