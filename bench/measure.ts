import { setTimeout as sleep } from 'node:timers/promises'
import { pageDifference, type CapturedPage } from './baseline-pages.js'
import { stop } from './children.js'
import { sql } from './databases.js'
import { load } from './load-process.js'
import type { LoadFigures } from './load.js'
import { applicationNameOf, postgresTicksBetween, samplePostgres } from './postgres-cpu.js'
import { samplePeakRss, sumOf, ticksToUs, treeTicks } from './process-sampling.js'
import { asReturningBrowsers } from './returning-browsers.js'
import { startServer, type Side } from './servers.js'
import { ADMIN_URL, CONNECTIONS, SECONDS, WARMUP } from './settings.js'

// One measurement of one side: a fresh server, a check that it serves the page we
// think, a warm-up, then a measured run, with the CPU time of the app (its workers
// included) and of PostgreSQL (bench/postgres-cpu.ts) taken across the measured run
// only, and the load generator's own CPU time.

const WARMUP_VISITS = 10
const MAX_WARMUPS = 5

export interface Measurement extends LoadFigures {
  warmupRequests: number
  /** Warm-ups of WARMUP seconds run: more than one when the first did not reach WARMUP_VISITS. */
  warmupRounds: number
  appUsPerRequest: number
  /** Absent for Logon on PGlite: its database's CPU is in appUsPerRequest. */
  pgUsPerRequest?: number
  /** The part of pgUsPerRequest in PostgreSQL's background processes (bench/postgres-cpu.ts). */
  pgBackgroundUsPerRequest?: number
  /** The load generator's CPU per request, and its share of one core over the run. */
  loaderUsPerRequest: number
  loaderCoreShare: number
  peakRssMiB: number
  /** Bytes of the body of the first answer checked ('expect'). */
  pageBytes?: number
  /** With WEB_CONCURRENCY: each worker's share of the app's CPU over the run. */
  workerCpuShares?: number[]
  /** From start to stop of the server, per request it answered (first visits, checks, warm-up, run). */
  sessionUpdates?: number
  sessionUpdatesPerRequest?: number
  /** The first answer checked, for the baseline's templates; not written to the results. */
  page?: CapturedPage
}

export interface SideSpec {
  env: Record<string, string>
  path: string
  cookies?: string[]
  /** The header the `cookies` go in (default 'cookie'; 'authorization' for bearer tokens). */
  credentialHeader?: string
  /**
   * Checked in the body of a few 200s before the load: the page is what we think ('':
   * only the 200, for an answer without a body).
   */
  expect?: string
  /**
   * The first answer checked must be this one (bench/baseline-pages.ts pageDifference):
   * the baseline's, against Logon's in the same row.
   */
  samePageAs?: { page: CapturedPage; digitsDiffer?: boolean }
  /** Schema whose sessions table's UPDATEs are counted from start to stop of the server. */
  countUpdatesIn?: string
  /**
   * A server that does not use PostgreSQL: Logon on PGlite (the database runs inside
   * the app process, its CPU is in app µs/req) or a floor of scenario 2. No postgres
   * process is read: those that run meanwhile are not this server's.
   */
  withoutPostgres?: boolean
}

async function sessionUpdates(schema: string): Promise<number> {
  const [row] = await sql(
    ADMIN_URL,
    `SELECT n_tup_upd::int AS n FROM pg_stat_user_tables WHERE schemaname = $1 AND relname = 'sessions'`,
    [schema],
  )
  return (row?.n as number | undefined) ?? 0
}

/** A few answers, each a 200 holding `expect`: the first of them. */
async function checkAnswers(
  side: Side,
  url: string,
  spec: SideSpec & { expect: string },
  credentials: string[] | undefined,
): Promise<CapturedPage> {
  const header = spec.credentialHeader ?? 'cookie'
  const pages: CapturedPage[] = []
  for (const credential of (credentials ?? [undefined]).slice(0, 5)) {
    const response = await fetch(url, { headers: credential ? { [header]: credential } : {} })
    const body = await response.text()
    if (response.status !== 200 || !body.includes(spec.expect)) {
      throw new Error(
        `${side} ${spec.path}: expected 200 with "${spec.expect}", got ${response.status}`,
      )
    }
    const headers: Record<string, string> = {}
    response.headers.forEach((value, name) => {
      if (name !== 'set-cookie') headers[name] = value
    })
    pages.push({
      status: response.status,
      headers,
      setCookies: response.headers.getSetCookie(),
      body,
    })
  }
  return pages[0]!
}

export async function measure(side: Side, spec: SideSpec): Promise<Measurement> {
  const updatesBefore = spec.countUpdatesIn ? await sessionUpdates(spec.countUpdatesIn) : 0
  const server = await startServer(side, spec.env)
  const url = `${server.base}${spec.path}`
  // A browser keeps the cookies it is given; a script with a bearer token has none.
  // The answers are checked as the load will ask for them.
  const cookies =
    spec.cookies && spec.credentialHeader === undefined
      ? await asReturningBrowsers(url, spec.cookies)
      : spec.cookies
  const page =
    spec.expect === undefined
      ? undefined
      : await checkAnswers(side, url, { ...spec, expect: spec.expect }, cookies)
  if (spec.samePageAs && page) {
    const difference = pageDifference(spec.samePageAs.page, page, spec.samePageAs)
    if (difference) throw new Error(`${side} ${spec.path}: not Logon's page: ${difference}`)
  }
  const peakRss = samplePeakRss(server.pid)
  const job = { url, connections: CONNECTIONS, cookies, credentialHeader: spec.credentialHeader }
  // Logon keeps sessions in memory once read, each worker its own: the warm-up goes on
  // (WARMUP seconds at a time, at most MAX_WARMUPS times) until every credential has
  // likely reached every worker a few times, so that the run measures warm caches even
  // where a busy machine makes the first seconds slow.
  const wanted = WARMUP_VISITS * (cookies?.length ?? 1) * Number(spec.env.WEB_CONCURRENCY ?? 1)
  const warm = { requests: 0, rounds: 0 }
  while (warm.rounds < MAX_WARMUPS && (warm.rounds === 0 || warm.requests < wanted)) {
    warm.requests += (await load({ ...job, seconds: WARMUP })).requests
    warm.rounds++
  }
  const pgName = spec.withoutPostgres ? undefined : applicationNameOf(spec.env)
  const pg0 = pgName && (await samplePostgres(pgName))
  const app0 = treeTicks(server.pid)
  const figures = await load({ ...job, seconds: SECONDS })
  const app1 = treeTicks(server.pid)
  const pg = pgName && pg0 ? postgresTicksBetween(pg0, await samplePostgres(pgName)) : undefined
  const peakRssKiB = peakRss()
  await stop(server.child)
  const appTicks = sumOf(app1) - sumOf(app0)
  const workers = [...app1].filter(([pid]) => pid !== server.pid)
  const result: Measurement = {
    ...figures,
    warmupRequests: warm.requests,
    warmupRounds: warm.rounds,
    appUsPerRequest: ticksToUs(appTicks) / figures.requests,
    pgUsPerRequest: pg && ticksToUs(pg.backends + pg.background) / figures.requests,
    pgBackgroundUsPerRequest: pg && ticksToUs(pg.background) / figures.requests,
    loaderUsPerRequest: figures.loaderCpuUs / figures.requests,
    loaderCoreShare: figures.loaderCpuUs / (SECONDS * 1e6),
    peakRssMiB: peakRssKiB / 1024,
    pageBytes: page === undefined ? undefined : Buffer.byteLength(page.body),
    page,
  }
  if (workers.length > 0) {
    result.workerCpuShares = workers.map(
      ([pid, ticks]) => (ticks - (app0.get(pid) ?? 0)) / appTicks,
    )
  }
  if (spec.countUpdatesIn) {
    await sleep(500) // backends flush their statistics as they exit
    const updates = (await sessionUpdates(spec.countUpdatesIn)) - updatesBefore
    // Every request this server answered: the browsers' first visits and the checks too.
    const checks = Math.min(5, spec.cookies?.length ?? 1)
    const answered = (spec.cookies?.length ?? 0) + checks + warm.requests + figures.requests
    result.sessionUpdates = updates
    result.sessionUpdatesPerRequest = updates / answered
  }
  return result
}
