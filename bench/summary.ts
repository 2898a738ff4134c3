import { byScenario, notes } from './findings.js'
import type { Measurement } from './measure.js'
import { SIDE_LOAD_RATE, STORM_CONNECTIONS } from './scenarios/sign-in-storm.js'
import { fmt } from './table.js'

/** The sentences under the table: each scenario's figure against its target. */
export function summary(): string[] {
  const out: string[] = []
  const one = byScenario('1')
  if (one?.logon.sessionUpdatesPerRequest !== undefined) {
    out.push(
      `Scenario 1: ${one.logon.sessionUpdates} UPDATEs of sessions over ${one.logon.requests + one.logon.warmupRequests} Logon requests (warm-up included): ${fmt(one.logon.sessionUpdatesPerRequest, 3)} per request.`,
    )
  }
  const two = byScenario('2')
  const [fastifyRoute, withToken, bareAgain] =
    two?.references?.map((reference) => reference.measurement) ?? []
  if (two?.baseline && fastifyRoute && withToken && bareAgain) {
    const x = (m: Measurement) => fmt(m.rps / two.baseline!.rps, 2)
    out.push(
      `Scenario 2: req/s against the bare node:http page: Logon ${x(two.logon)}× (target ≥ 0.8×); a Fastify route sending the same bytes ${x(fastifyRoute)}×; that route issuing each new visitor an anti-forgery secret in a signed cookie and a token with @fastify/cookie and @fastify/csrf-protection ${x(withToken)}×; the bare page again, last: ${x(bareAgain)}×. App µs/req: bare ${fmt(two.baseline.appUsPerRequest)} then ${fmt(bareAgain.appUsPerRequest)}, Fastify ${fmt(fastifyRoute.appUsPerRequest)}, +token ${fmt(withToken.appUsPerRequest)}, Logon ${fmt(two.logon.appUsPerRequest)}.`,
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
  const storm = notes.signInStorm as
    | {
        signInsPerSecond: number
        rawVerifiesPerSecond: number
        rawConcurrency: number
        sideLoadP99: number
        stormErrors: number
      }
    | undefined
  if (storm) {
    out.push(
      `Scenario 3: ${fmt(storm.signInsPerSecond, 1)} sign-ins/s at ${STORM_CONNECTIONS} connections (errors ${storm.stormErrors}) vs raw argon2id ${fmt(storm.rawVerifiesPerSecond, 1)} verifies/s with ${storm.rawConcurrency} at once: ${fmt(storm.signInsPerSecond / storm.rawVerifiesPerSecond, 2)}× (target ≥ 0.9×); signed-in pages beside it at ${SIDE_LOAD_RATE}/s: p99 ${storm.sideLoadP99} ms (target < 50 ms).`,
    )
  }
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
