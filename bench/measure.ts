import { setTimeout as sleep } from 'node:timers/promises'
import { stop } from './children.js'
import { sql } from './databases.js'
import { load } from './load-process.js'
import type { LoadFigures } from './load.js'
import { postgresTicks, samplePeakRss, statTicks, ticksToUs } from './process-sampling.js'
import { asReturningBrowsers } from './returning-browsers.js'
import { startServer, type Side } from './servers.js'
import { ADMIN_URL, CONNECTIONS, SECONDS, WARMUP } from './settings.js'

// One measurement of one side: a fresh server, a check that it serves the page we
// think, a warm-up, then a measured run, with the CPU time of the app and of every
// postgres process taken across the measured run only.

export interface Measurement extends LoadFigures {
  warmupRequests: number
  appUsPerRequest: number
  /** Absent for Logon on PGlite: its database's CPU is in appUsPerRequest. */
  pgUsPerRequest?: number
  peakRssMiB: number
  sessionUpdates?: number
  sessionUpdatesPerRequest?: number
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

export async function measure(side: Side, spec: SideSpec): Promise<Measurement> {
  const updatesBefore = spec.countUpdatesIn ? await sessionUpdates(spec.countUpdatesIn) : 0
  const server = await startServer(side, spec.env)
  const url = `${server.base}${spec.path}`
  if (spec.expect !== undefined) {
    const header = spec.credentialHeader ?? 'cookie'
    for (const credential of (spec.cookies ?? [undefined]).slice(0, 5)) {
      const response = await fetch(url, { headers: credential ? { [header]: credential } : {} })
      const body = await response.text()
      if (response.status !== 200 || !body.includes(spec.expect)) {
        throw new Error(
          `${side} ${spec.path}: expected 200 with "${spec.expect}", got ${response.status}`,
        )
      }
    }
  }
  // A browser keeps the cookies it is given; a script with a bearer token has none.
  const cookies =
    spec.cookies && spec.credentialHeader === undefined
      ? await asReturningBrowsers(url, spec.cookies)
      : spec.cookies
  const peakRss = samplePeakRss(server.pid)
  const job = { url, connections: CONNECTIONS, cookies, credentialHeader: spec.credentialHeader }
  const warm = await load({ ...job, seconds: WARMUP })
  const app0 = statTicks(server.pid)
  const pg0 = spec.withoutPostgres ? 0 : postgresTicks()
  const figures = await load({ ...job, seconds: SECONDS })
  const appTicks = statTicks(server.pid) - app0
  const pgTicks = spec.withoutPostgres ? undefined : postgresTicks() - pg0
  const peakRssKiB = peakRss()
  await stop(server.child)
  const result: Measurement = {
    ...figures,
    warmupRequests: warm.requests,
    appUsPerRequest: ticksToUs(appTicks) / figures.requests,
    pgUsPerRequest: pgTicks === undefined ? undefined : ticksToUs(pgTicks) / figures.requests,
    peakRssMiB: peakRssKiB / 1024,
  }
  if (spec.countUpdatesIn) {
    await sleep(500) // backends flush their statistics as they exit
    const updates = (await sessionUpdates(spec.countUpdatesIn)) - updatesBefore
    result.sessionUpdates = updates
    result.sessionUpdatesPerRequest = updates / (figures.requests + warm.requests)
  }
  return result
}
