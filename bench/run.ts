import { execFileSync, spawn } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import { loadConfig } from '../src/config.js'
import { children, cleanEnv, cleanUp, runNode, stop, tmp } from './children.js'
import { createSchema, otherPostgresClients, seed, sql, type Schema } from './databases.js'
import { knownPGliteSessions, knownSessions } from './known-sessions.js'
import { load } from './load-process.js'
import type { LoadJob } from './load.js'
import { log } from './log.js'
import { measure, type Measurement, type SideSpec } from './measure.js'
import { CLK_TCK, statTicks, statusKiB, ticksToUs } from './process-sampling.js'
import { asReturningBrowsers } from './returning-browsers.js'
import { paths } from './scripts.js'
import {
  embeddedEnv,
  freePort,
  loginPageBytes,
  serverEnv,
  startServer,
  waitFor200,
} from './servers.js'
import {
  ADMIN_URL,
  CONNECTIONS,
  KNOWN_SESSIONS,
  LOGON_NODE_ARGS,
  ROOT,
  SCENARIOS,
  SECONDS,
  threadPool,
  WARMUP,
} from './settings.js'

// `npm run bench`: Logon and the baseline (bench/baseline.ts) side by side on the real
// PostgreSQL server, each in a process of its own and driven by a load generator in a
// third (bench/load.ts, autocannon). For each side: a fresh server, a warm-up, then a
// measured run, with CPU time of the app and of every postgres process read from /proc
// (bench/measure.ts). A second section (scenario 7) runs Logon on PGlite, the embedded
// engine, in a data folder of its own, beside the same baseline on PostgreSQL: PGlite
// runs inside Logon's process, so its CPU is in Logon's app µs/req and its pg µs/req is
// '-'. Prints one table and writes the raw figures to bench/results/<timestamp>.json.
// The environment variables are read in bench/settings.ts.

// ---- scenarios
interface Row {
  scenario: string
  label: string
  logon: Measurement
  baseline?: Measurement
  /** Other servers measured the same way, shown with their ratio to the baseline. */
  references?: Array<{ side: string; measurement: Measurement }>
}
const rows: Row[] = []
const notes: Record<string, unknown> = {}

async function both(scenario: string, label: string, logon: SideSpec, baseline: SideSpec) {
  log(`scenario ${scenario}: ${label}`)
  const row: Row = { scenario, label, logon: await measure('logon', logon) }
  row.baseline = await measure('baseline', baseline)
  rows.push(row)
  printRow(row)
  return row
}

async function signedInScenarios() {
  const schema = await createSchema()
  log(`schema ${schema.name}: 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: schema.url }, 10_000)
  const cookies = await knownSessions(schema, KNOWN_SESSIONS)
  const env = serverEnv(schema)
  if (SCENARIOS.includes('1')) {
    await both(
      '1',
      'signed-in GET /, 10k members, 1,000 cookies',
      { env, path: '/', cookies, expect: 'Signed in as member', countUpdatesIn: schema.name },
      { env, path: '/', cookies, expect: 'Signed in as member' },
    )
  }
  if (SCENARIOS.includes('2')) {
    const size = await loginPageBytes(env)
    notes.loginPageBytes = size
    const sized = { env: { BASELINE_LOGIN_BYTES: String(size) }, path: '/login', expect: '<form' }
    const row = await both(
      '2',
      `anonymous GET /login (${size} B)`,
      { env, path: '/login', expect: '<form' },
      {
        ...sized,
        env: { ...env, ...sized.env },
      },
    )
    // Where the distance to the bare page comes from: Fastify itself, then a per-visitor
    // anti-forgery token with the official plugins (bench/login-floors.ts).
    // And the bare page once more: the machine's speed drifts within a run, and the
    // floors are measured after the first one.
    const floor = { ...sized, withoutPostgres: true }
    row.references = [
      { side: 'fastify', measurement: await measure('fastify-floor', floor) },
      { side: '+token', measurement: await measure('token-floor', floor) },
      {
        side: 'bare ²',
        measurement: await measure('baseline', { ...sized, env: { ...env, ...sized.env } }),
      },
    ]
    for (const line of rowLines(row).slice(3)) log(line)
  }
  if (SCENARIOS.includes('3')) await signInStorm(schema, cookies)
}

// The seed's shared password (src/cli/seed.ts).
const SEED_PASSWORD = 'member-password-1234'
const STORM_CONNECTIONS = 8
const SIDE_LOAD_RATE = 50 // signed-in pages a second beside the storm

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
 * Scenario 3: sign-ins as fast as 8 connections can send them, after a warm-up, with
 * signed-in pages at a low steady rate beside them (their p99 shows whether hashing
 * blocks the event loop), and the raw argon2id verify rate of this machine with the
 * same parameters and as many verifications at once as Logon lets run
 * (PASSWORD_HASH_THREADS), measured before and after the storm.
 */
async function signInStorm(schema: Schema, cookies: string[]) {
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
  const body = new URLSearchParams({
    _csrf: token,
    username: 'member0000001',
    password: SEED_PASSWORD,
  })
  const headers = { cookie: csrfCookie, 'content-type': 'application/x-www-form-urlencoded' }
  const probe = await fetch(`${server.base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers,
    body,
  })
  if (probe.status !== 303)
    throw new Error(`scenario 3: a sign-in answered ${probe.status}, not 303`)
  const sideCookies = await asReturningBrowsers(`${server.base}/`, cookies)
  const stormJob: LoadJob = {
    url: `${server.base}/login`,
    connections: STORM_CONNECTIONS,
    seconds: SECONDS,
    method: 'POST',
    body: body.toString(),
    headers,
  }
  // A warm-up, as in every other scenario: compiled code, pool connections.
  await load({ ...stormJob, seconds: WARMUP })
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
  await stop(server.child)
  const rawAfter = await rawArgon2Rate()
  // Every answer of the storm is a 303 (autocannon counts it among the non-2xx).
  const signIns = storm.requests - storm.errors - storm.timeouts
  notes.signInStorm = {
    signInsPerSecond: signIns / SECONDS,
    stormP50: storm.p50,
    stormP99: storm.p99,
    stormErrors: storm.errors + storm.timeouts,
    appUsPerSignIn: ticksToUs(appTicks) / Math.max(1, storm.requests + side.requests),
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

async function sizeScenarios() {
  const want4 = SCENARIOS.includes('4')
  const want5 = SCENARIOS.includes('5')
  if (!want4 && !want5) return
  const small = await createSchema()
  log(`schema ${small.name}: 1,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: small.url }, 1_000)
  const cookies = await knownSessions(small, KNOWN_SESSIONS)
  const env = serverEnv(small)
  const [{ min }] = (await sql(small.url, 'SELECT min(id)::int AS min FROM users')) as [
    { min: number },
  ]
  const deep = `/?after=${min + 60}` // the last page but one, near the end of the list
  const spec = (path: string) => ({ env, path, cookies, expect: 'Signed in as member' })
  if (want4) await both('4a', `deep page ${deep}, 1,000 members`, spec(deep), spec(deep))
  if (want5) {
    await both('5a', 'signed-in GET /, 1,000 session rows', spec('/'), spec('/'))
    log(`schema ${small.name}: adding 999,000 sessions`)
    await seed({ DATABASE_URL: small.url }, 0, 999_000)
    // A table in steady state: not measured while autovacuum works through a
    // million fresh rows.
    await sql(ADMIN_URL, `VACUUM ANALYZE ${small.name}.sessions`)
    await both('5b', 'signed-in GET /, 1,000,000 session rows', spec('/'), spec('/'))
  }
  if (want4) {
    const big = await createSchema()
    log(`schema ${big.name}: 1,000,000 members, ${KNOWN_SESSIONS} sessions`)
    await seed({ DATABASE_URL: big.url }, 1_000_000)
    await sql(ADMIN_URL, `ANALYZE ${big.name}.users`)
    const bigCookies = await knownSessions(big, KNOWN_SESSIONS)
    const [{ min: bigMin }] = (await sql(big.url, 'SELECT min(id)::int AS min FROM users')) as [
      { min: number },
    ]
    const bigDeep = `/?after=${bigMin + 60}`
    const bigSpec = {
      env: serverEnv(big),
      path: bigDeep,
      cookies: bigCookies,
      expect: 'Signed in as member',
    }
    await both('4b', `deep page ${bigDeep}, 1,000,000 members`, bigSpec, bigSpec)
  }
}

async function coldStart() {
  if (!SCENARIOS.includes('6')) return
  log('scenario 6: cold start on PGlite with 10,000 members')
  const dataDir = join(tmp, 'pglite')
  await seed({ DATA_DIR: dataDir }, 10_000)
  const times: number[] = []
  const rss: number[] = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const started = performance.now()
    const child = spawn(process.execPath, [...LOGON_NODE_ARGS, join(ROOT, 'dist', 'main.js')], {
      cwd: ROOT,
      env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    children.add(child)
    await waitFor200(`http://127.0.0.1:${port}/healthz`, 60_000)
    times.push(performance.now() - started)
    rss.push(statusKiB(child.pid!, 'VmHWM') / 1024)
    await stop(child)
  }
  notes.coldStartMs = times
  notes.coldStartRssMiB = rss
  const median = [...times].sort((a, b) => a - b)[1]!
  log(`  start to first 200 from /healthz: ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
  notes.coldStartMedianMs = median
}

/**
 * Scenario 7, the PGlite section: Logon on the embedded engine (a data folder of its
 * own with 10,000 members and sessions we know), the baseline on PostgreSQL with the
 * same data, since it has no embedded side. The rows compare unlike setups on purpose:
 * what one process on PGlite does against the usual pair of app and database server.
 */
async function pgliteScenarios() {
  if (!SCENARIOS.includes('7')) return
  const dataDir = join(tmp, 'pglite-7')
  log(`PGlite in ${dataDir}: 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATA_DIR: dataDir }, 10_000)
  const cookies = await knownPGliteSessions(dataDir, KNOWN_SESSIONS)
  const env = embeddedEnv(dataDir)
  const schema = await createSchema()
  log(`schema ${schema.name} (baseline): 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: schema.url }, 10_000)
  const baselineEnv = serverEnv(schema)
  const baselineCookies = await knownSessions(schema, KNOWN_SESSIONS)
  await both(
    '7',
    'PGlite: signed-in GET /, 10k members, 1,000 cookies',
    { env, path: '/', cookies, expect: 'Signed in as member', withoutPostgres: true },
    { env: baselineEnv, path: '/', cookies: baselineCookies, expect: 'Signed in as member' },
  )
  // As in scenario 2: a bare page of the size of Logon's sign-in page, on PGlite here.
  const size = await loginPageBytes(env)
  notes.pgliteLoginPageBytes = size
  await both(
    '7b',
    `PGlite: anonymous GET /login (${size} B)`,
    { env, path: '/login', expect: '<form', withoutPostgres: true },
    {
      env: { ...baselineEnv, BASELINE_LOGIN_BYTES: String(size) },
      path: '/login',
      expect: '<form',
    },
  )
}

// ---- output
const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits)
const HEADER = `${'scenario'.padEnd(56)} ${'side'.padEnd(8)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)} ${'RSS MiB'.padStart(8)} ${'app µs/req'.padStart(11)} ${'pg µs/req'.padStart(10)}`

function line(label: string, side: string, m: Partial<Measurement>, digits = 0): string {
  const errors = m.errors === undefined ? undefined : m.errors + (m.timeouts ?? 0) + (m.non2xx ?? 0)
  return `${label.padEnd(56)} ${side.padEnd(8)} ${fmt(m.rps, digits).padStart(7)} ${fmt(m.p50, digits || 1).padStart(7)} ${fmt(m.p99, digits || 1).padStart(7)} ${fmt(errors).padStart(7)} ${fmt(m.peakRssMiB, digits || 1).padStart(8)} ${fmt(m.appUsPerRequest, digits).padStart(11)} ${fmt(m.pgUsPerRequest, digits).padStart(10)}`
}

function ratio(a: Measurement, b: Measurement): Partial<Measurement> {
  // A figure one side lacks (pg µs/req on PGlite) gives NaN, printed '-'.
  const r = (key: keyof Measurement) => Number(a[key]) / Number(b[key])
  return {
    rps: r('rps'),
    p50: r('p50'),
    p99: r('p99'),
    peakRssMiB: r('peakRssMiB'),
    appUsPerRequest: r('appUsPerRequest'),
    pgUsPerRequest: r('pgUsPerRequest'),
  }
}

function rowLines(row: Row): string[] {
  const label = `${row.scenario} ${row.label}`
  const lines = [line(label, 'Logon', row.logon)]
  if (row.baseline) {
    lines.push(line('', 'baseline', row.baseline))
    lines.push(line('', 'ratio', ratio(row.logon, row.baseline), 2))
    for (const { side, measurement } of row.references ?? []) {
      lines.push(line('', side, measurement))
      lines.push(line('', 'ratio', ratio(measurement, row.baseline), 2))
    }
  }
  return lines
}

function printRow(row: Row) {
  log(rowLines(row).join('\n'))
}

function byScenario(id: string) {
  return rows.find((row) => row.scenario === id)
}

function summary(): string[] {
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

function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim()
    return { commit, dirty: dirty ? dirty.split('\n') : [] }
  } catch {
    return undefined
  }
}

async function main() {
  const started = performance.now()
  const others = await otherPostgresClients()
  if (others > 0) {
    log(
      `warning: ${others} other client(s) connected to PostgreSQL: its CPU figures include theirs`,
    )
  }
  await signedInScenarios()
  await sizeScenarios()
  await coldStart()
  await pgliteScenarios()
  const elapsedS = (performance.now() - started) / 1000
  const machine = `${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
  const table = [HEADER, ...rows.flatMap(rowLines)]
  const text = [
    `npm run bench: ${SECONDS} s measured after ${WARMUP} s warm-up, ${CONNECTIONS} connections, PostgreSQL at ${new URL(ADMIN_URL).host}`,
    `machine: ${machine}`,
    ...table,
    ...summary(),
    `run took ${elapsedS.toFixed(0)} s`,
  ].join('\n')
  process.stdout.write(`\n${text}\n`)
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(ROOT, 'bench', 'results', `${stamp}.json`)
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine,
        git: gitState(),
        settings: {
          seconds: SECONDS,
          warmupSeconds: WARMUP,
          connections: CONNECTIONS,
          scenarios: SCENARIOS,
          clockTicks: CLK_TCK,
        },
        otherPostgresClients: others,
        rows,
        notes,
        elapsedSeconds: elapsedS,
        table: text,
      },
      null,
      2,
    )}\n`,
  )
  process.stdout.write(`raw figures: ${file}\n`)
}

try {
  await main()
} catch (error) {
  log(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
}
