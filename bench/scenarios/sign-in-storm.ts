import { loadConfig } from '../../src/config.js'
import { runNode, stop } from '../children.js'
import type { Schema } from '../databases.js'
import { notes } from '../findings.js'
import { load } from '../load-process.js'
import type { LoadJob } from '../load.js'
import { log } from '../log.js'
import { postgresTicksBetween, samplePostgres } from '../postgres-cpu.js'
import { statTicks, ticksToUs } from '../process-sampling.js'
import { asReturningBrowsers } from '../returning-browsers.js'
import { paths } from '../scripts.js'
import { serverEnv, startServer } from '../servers.js'
import { KNOWN_SESSIONS, LOADER, SECONDS, threadPool, WARMUP } from '../settings.js'

// The seed's shared password (src/cli/seed.ts).
const SEED_PASSWORD = 'member-password-1234'
export const STORM_CONNECTIONS = 8
export const SIDE_LOAD_RATE = 50 // signed-in pages a second beside the storm
// The storm's accounts: seeded members after the first KNOWN_SESSIONS (the side load's).
const STORM_ACCOUNTS = 1000
const STORM_FIRST_MEMBER = KNOWN_SESSIONS + 1

/** The raw argon2id verify rate, with Logon's parameters and PASSWORD_HASH_THREADS at once. */
async function rawArgon2Rate(): Promise<{ perSecond: number; concurrency: number }> {
  const out = await runNode([paths.argon2Rate, String(SECONDS)], {
    ARGON2_PARAMS: JSON.stringify(loadConfig(threadPool).passwordHash),
    HASH_THREADS: String(loadConfig(threadPool).passwordHashThreads),
    ...threadPool,
  })
  return JSON.parse(out) as { perSecond: number; concurrency: number }
}

/**
 * Scenario 3: sign-ins of 1,000 accounts in turn, as fast as 8 connections can send
 * them, after a warm-up, with signed-in pages at a low steady rate beside them (their
 * p99 shows whether hashing blocks the event loop), and the raw argon2id verify rate
 * of this machine with the same parameters and as many verifications at once as Logon
 * lets run (PASSWORD_HASH_THREADS), measured before and after the storm. The app's and
 * PostgreSQL's CPU per sign-in are what docs/deploy.md sizes a deployment by.
 */
export async function signInStorm(schema: Schema, cookies: string[]) {
  log('scenario 3: sign-in storm')
  // Measured before and after the storm, against the mean of both: this machine's
  // speed drifts within minutes, and one measurement on either side would carry it.
  const rawBefore = await rawArgon2Rate()
  const server = await startServer('logon', serverEnv(schema))
  const form = await fetch(`${server.base}/login`)
  const csrfCookie = form.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ')
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? ''
  // Each sign-in for the next of STORM_ACCOUNTS members, none of them those of the
  // side load's sessions: one account signed in again and again would hold
  // SESSIONS_PER_ACCOUNT sessions, each of which every sign-in marks with a notice,
  // and the PostgreSQL CPU per sign-in would be that worst case's.
  const bodies = Array.from({ length: STORM_ACCOUNTS }, (_, i) =>
    new URLSearchParams({
      _csrf: token,
      username: `member${String(STORM_FIRST_MEMBER + i).padStart(7, '0')}`,
      password: SEED_PASSWORD,
    }).toString(),
  )
  const headers = { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' }
  for (const body of [bodies[0]!, bodies.at(-1)!]) {
    const probe = await fetch(`${server.base}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers,
      body,
    })
    if (probe.status !== 303)
      throw new Error(`scenario 3: a sign-in answered ${probe.status}, not 303`)
  }
  const sideCookies = await asReturningBrowsers(`${server.base}/`, cookies)
  const stormJob: LoadJob = {
    url: `${server.base}/login`,
    connections: STORM_CONNECTIONS,
    seconds: SECONDS,
    method: 'POST',
    bodies,
    headers,
  }
  // A warm-up, as in every other scenario: compiled code, pool connections.
  await load({ ...stormJob, seconds: WARMUP })
  const pg0 = await samplePostgres(schema.name)
  const app0 = statTicks(server.pid)
  const [storm, side] = await Promise.all([
    load(stormJob),
    load({
      url: `${server.base}/`,
      connections: 4,
      seconds: SECONDS,
      cookies: sideCookies,
      overallRate: SIDE_LOAD_RATE,
    }),
  ])
  const appTicks = statTicks(server.pid) - app0
  const pg = postgresTicksBetween(pg0, await samplePostgres(schema.name))
  await stop(server.child)
  const rawAfter = await rawArgon2Rate()
  // Every answer of the storm is a 303 (autocannon counts it among the non-2xx; wrk
  // counts only 4xx and 5xx, none of which a sign-in here should get).
  const wrongAnswers = LOADER === 'wrk' ? storm.non2xx : 0
  const signIns = storm.requests - storm.errors - storm.timeouts - wrongAnswers
  notes.signInStorm = {
    signInsPerSecond: signIns / SECONDS,
    stormP50: storm.p50,
    stormP99: storm.p99,
    stormErrors: storm.errors + storm.timeouts + wrongAnswers,
    // Per sign-in, the side load's pages (SIDE_LOAD_RATE a second, a few hundred µs of
    // app CPU and a few µs of PostgreSQL each) included: under 1% of either figure.
    appUsPerSignIn: ticksToUs(appTicks) / Math.max(1, signIns),
    pgUsPerSignIn: ticksToUs(pg.backends + pg.background) / Math.max(1, signIns),
    pgBackgroundUsPerSignIn: ticksToUs(pg.background) / Math.max(1, signIns),
    loaderCoreShare: (storm.loaderCpuUs + side.loaderCpuUs) / (SECONDS * 1e6),
    sideLoadRps: side.rps,
    sideLoadP50: side.p50,
    sideLoadP99: side.p99,
    sideLoadErrors: side.errors + side.timeouts + side.non2xx,
    rawVerifiesPerSecond: (rawBefore.perSecond + rawAfter.perSecond) / 2,
    rawBeforeAndAfter: [rawBefore.perSecond, rawAfter.perSecond],
    rawConcurrency: rawAfter.concurrency,
  }
  log(`  ${JSON.stringify(notes.signInStorm)}`)
}
