import { availableParallelism } from 'node:os'
import { byScenario, notes, type Row } from './findings.js'
import type { Measurement } from './measure.js'
import { SIDE_LOAD_RATE, STORM_CONNECTIONS } from './scenarios/sign-in-storm.js'
import { LOADER } from './settings.js'
import { fmt } from './table.js'

/** The sentences under the table: each scenario's figure against its target. */
export function summary(): string[] {
  const out: string[] = []
  const share = (m: Measurement) => `${fmt(m.loaderCoreShare * 100)}%`
  const cpu = (m: Measurement) =>
    `app ${fmt(m.appUsPerRequest)} µs + PostgreSQL ${fmt(m.pgUsPerRequest)} µs (${fmt(m.pgBackgroundUsPerRequest)} in its background processes)`
  const one = byScenario('1')
  const twoWorkers = one?.references?.find((reference) => reference.side === 'N=2')?.measurement
  if (one?.baseline) {
    const [logon, baseline] = [one.logon, one.baseline]
    out.push(
      `Scenario 1: Logon ${fmt(logon.rps)} req/s against the baseline's ${fmt(baseline.rps)}: ${fmt(logon.rps / baseline.rps, 2)}× (the same ${fmt(logon.pageBytes)}-byte page and headers; named prepared statements, dates from the database); CPU per page: Logon ${cpu(logon)}, baseline ${cpu(baseline)}; p99 ${fmt(logon.p99, 1)} vs ${fmt(baseline.p99, 1)} ms. The load generator (${LOADER}) took ${fmt(logon.loaderUsPerRequest)} µs a request, ${share(logon)} of a core beside Logon, ${share(baseline)} beside the baseline.`,
    )
  }
  if (one && twoWorkers) {
    const split = (twoWorkers.workerCpuShares ?? []).map((s) => `${fmt(s * 100)}%`).join(' / ')
    // What the machine's cores allow when the app, PostgreSQL and the load generator
    // all take their CPU per request from them: the most N=2 could serve.
    const perRequest =
      twoWorkers.appUsPerRequest + (twoWorkers.pgUsPerRequest ?? 0) + twoWorkers.loaderUsPerRequest
    const ceiling = (availableParallelism() * 1e6) / perRequest
    out.push(
      `Scenario 1, WEB_CONCURRENCY=2: ${fmt(twoWorkers.rps)} req/s against ${fmt(one.logon.rps)} for one process: ${fmt(twoWorkers.rps / one.logon.rps, 2)}× (goal ≥ 1.7×), p99 ${fmt(twoWorkers.p99, 1)} against ${fmt(one.logon.p99, 1)} ms (goal: no worse); CPU per page ${cpu(twoWorkers)}, the load generator ${fmt(twoWorkers.loaderUsPerRequest)} µs (${share(twoWorkers)} of a core); the workers' shares of the app's CPU ${split}. At ${fmt(perRequest)} µs a request in all, ${availableParallelism()} cores allow at most ${fmt(ceiling)} req/s: ${fmt(ceiling / one.logon.rps, 2)}× one process.`,
    )
  }
  if (one?.logon.sessionUpdatesPerRequest !== undefined) {
    // last_seen_at is written at most every 800 ms a session (by each worker): the
    // fewer pages a second per session, the more of them are a touch.
    out.push(
      `Scenario 1: UPDATEs of sessions per request Logon answered (first visits and warm-up included): ${fmt(one.logon.sessionUpdatesPerRequest, 3)} (${one.logon.sessionUpdates} in all); with WEB_CONCURRENCY=2 ${fmt(twoWorkers?.sessionUpdatesPerRequest, 3)}.`,
    )
  }
  const two = byScenario('2')
  const [fastifyRoute, withToken, baselineAgain] =
    two?.references?.map((reference) => reference.measurement) ?? []
  if (two?.baseline && fastifyRoute && withToken && baselineAgain) {
    const x = (m: Measurement) => fmt(m.rps / two.baseline!.rps, 2)
    out.push(
      `Scenario 2: req/s against a node:http page of the same bytes (Logon's ${fmt(two.logon.pageBytes)}-byte page and headers, a fresh anti-forgery value in the form and in a cookie for each visitor): Logon ${x(two.logon)}× (target ≥ 0.8×); a Fastify route sending a page of that size ${x(fastifyRoute)}×; that route issuing each new visitor an anti-forgery secret in a signed cookie and a token with @fastify/cookie and @fastify/csrf-protection ${x(withToken)}×; the baseline again, last: ${x(baselineAgain)}×. App µs/req: baseline ${fmt(two.baseline.appUsPerRequest)} then ${fmt(baselineAgain.appUsPerRequest)}, Fastify ${fmt(fastifyRoute.appUsPerRequest)}, +token ${fmt(withToken.appUsPerRequest)}, Logon ${fmt(two.logon.appUsPerRequest)}; the load generator ${fmt(two.logon.loaderUsPerRequest)} µs a request, ${share(two.logon)} of a core beside Logon.`,
    )
  }
  const [a4, b4, a5, b5] = ['4a', '4b', '5a', '5b'].map(byScenario)
  if (a4 && b4) {
    out.push(
      `Scenario 4: Logon req/s with 1,000,000 members / with 1,000: ${fmt(b4.logon.rps / a4.logon.rps, 2)}, p50 ${fmt(b4.logon.p50 / a4.logon.p50, 2)}× (target: within 1.5×).`,
    )
  }
  if (a5 && b5) {
    out.push(
      `Scenario 5: Logon req/s with 1,000,000 session rows / with 1,000: ${fmt(b5.logon.rps / a5.logon.rps, 2)}, p50 ${fmt(b5.logon.p50 / a5.logon.p50, 2)}× (target: within 1.2×).`,
    )
  }
  const storm = notes.signInStorm as SignInStorm | undefined
  if (storm) {
    out.push(
      `Scenario 3: ${fmt(storm.signInsPerSecond, 1)} sign-ins/s at ${STORM_CONNECTIONS} connections (errors ${storm.stormErrors}) vs raw argon2id ${fmt(storm.rawVerifiesPerSecond, 1)} verifies/s with ${storm.rawConcurrency} at once: ${fmt(storm.signInsPerSecond / storm.rawVerifiesPerSecond, 2)}× (target ≥ 0.9×); signed-in pages beside it at ${SIDE_LOAD_RATE}/s: p99 ${fmt(storm.sideLoadP99, 1)} ms (target < 50 ms). CPU per sign-in: app ${fmt(storm.appUsPerSignIn)} µs (argon2id, in its ${storm.rawConcurrency} hashing thread(s)), PostgreSQL ${fmt(storm.pgUsPerSignIn)} µs (${fmt(storm.pgBackgroundUsPerSignIn)} of it in its background processes); the load generator ${fmt(storm.loaderCoreShare * 100)}% of a core.`,
    )
  }
  out.push(...capacity(one, twoWorkers, storm))
  if (notes.coldStartMedianMs !== undefined) {
    out.push(
      `Scenario 6: cold start on PGlite with 10,000 members, median of 3: ${fmt(notes.coldStartMedianMs as number)} ms (runs: ${(notes.coldStartMs as number[]).map((t) => t.toFixed(0)).join(', ')} ms; RSS at ready ${(notes.coldStartRssMiB as number[]).map((m) => m.toFixed(0)).join(', ')} MiB) (target: under 1500 ms).`,
    )
  }
  const eight = byScenario('8')
  if (eight?.baseline) {
    out.push(
      `Scenario 8: GET /auth/verify signed in, req/s against a bare node:http answer of the same size: ${fmt(eight.logon.rps / eight.baseline.rps, 2)}× (target ≥ 0.5×); app µs/req ${fmt(eight.logon.appUsPerRequest)} vs ${fmt(eight.baseline.appUsPerRequest)}.`,
    )
  }
  const nine = byScenario('9')
  if (nine && one) {
    out.push(
      `Scenario 9: GET /api/v1/session with a bearer token ${fmt(nine.logon.rps)} req/s against Logon's signed-in page (scenario 1) ${fmt(one.logon.rps)} req/s: ${fmt(nine.logon.rps / one.logon.rps, 2)}× (target ≥ 1×).`,
    )
  }
  const seven = byScenario('7')
  if (seven?.baseline) {
    // PGlite's work is in Logon's app µs/req: against the baseline's app and postgres both.
    const baselineUs = seven.baseline.appUsPerRequest + (seven.baseline.pgUsPerRequest ?? 0)
    out.push(
      `Scenario 7: Logon on PGlite ${fmt(seven.logon.rps)} req/s vs the baseline on PostgreSQL ${fmt(seven.baseline.rps)} (${fmt(seven.logon.rps / seven.baseline.rps, 2)}×); CPU per request, database included: ${fmt(seven.logon.appUsPerRequest)} µs vs ${fmt(baselineUs)} µs (${fmt(seven.logon.appUsPerRequest / baselineUs, 2)}×). PGlite runs inside Logon's process: its pg µs/req is '-'.`,
    )
  }
  return out
}

interface SignInStorm {
  signInsPerSecond: number
  rawVerifiesPerSecond: number
  rawConcurrency: number
  sideLoadP99: number
  stormErrors: number
  appUsPerSignIn: number
  pgUsPerSignIn: number
  pgBackgroundUsPerSignIn: number
  loaderCoreShare: number
}

/** docs/deploy.md's capacity: what one core of each kind does, from this run's CPU figures. */
function capacity(
  one: Row | undefined,
  twoWorkers: Measurement | undefined,
  storm: SignInStorm | undefined,
): string[] {
  const out: string[] = []
  const perCore = (us: number | undefined) => (us ? fmt(1e6 / us, 0) : '-')
  if (one) {
    const n2 = twoWorkers
      ? ` (${perCore(twoWorkers.appUsPerRequest)} with WEB_CONCURRENCY=2, ${fmt(twoWorkers.rps)} a second measured on this machine's 2 cores shared with PostgreSQL and the load generator)`
      : ''
    out.push(
      `Capacity: a core of app CPU serves ${perCore(one.logon.appUsPerRequest)} signed-in page views a second${n2}; each costs PostgreSQL ${fmt(one.logon.pgUsPerRequest, 1)} µs of CPU (a core of PostgreSQL: ${perCore(one.logon.pgUsPerRequest)} a second).`,
    )
  }
  if (storm) {
    out.push(
      `Capacity: a core of app CPU does ${perCore(storm.appUsPerSignIn)} sign-ins a second (argon2id with the default parameters); each costs PostgreSQL ${fmt(storm.pgUsPerSignIn)} µs of CPU (a core of PostgreSQL: ${perCore(storm.pgUsPerSignIn)} a second).`,
    )
  }
  return out
}
