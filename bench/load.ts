import autocannon from 'autocannon'
import { readFileSync } from 'node:fs'

// The autocannon load generator of `npm run bench` (BENCH_LOADER=autocannon; the
// default is wrk, bench/wrk.ts), run as a process of its own so that its CPU is never
// counted as the server's. Reads a job (JSON file named by argv[2]), drives the URL
// with autocannon and prints one JSON line of figures. With `cookies`, each request
// carries the next one of them in rotation (in `credentialHeader`); with `bodies`,
// likewise the next body.

export interface LoadJob {
  url: string
  connections: number
  seconds: number
  cookies?: string[]
  /** The header `cookies` go in: 'cookie' (default), or 'authorization' for bearer tokens. */
  credentialHeader?: string
  /** For a form post (scenario 3): one of `bodies` with each request, in rotation. */
  method?: 'GET' | 'POST'
  bodies?: string[]
  headers?: Record<string, string>
  /** Requests per second over all connections (a low, steady side load); unset = as fast as possible. */
  overallRate?: number
}

export interface LoadFigures {
  requests: number
  rps: number
  /** Latency in ms. */
  p50: number
  p99: number
  errors: number
  timeouts: number
  /** autocannon: every answer but a 2xx (a 303 too); wrk: 4xx and 5xx only. */
  non2xx: number
  /** CPU time of the load generator over the run (wrk's start-up included): its cost on the shared cores. */
  loaderCpuUs: number
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as LoadJob
const cookies = job.cookies ?? []
const bodies = job.bodies ?? []
let next = 0

// From here: the run's CPU, not that of loading autocannon (tenths of a second).
const cpuBefore = process.cpuUsage()
const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.seconds,
  timeout: 10,
  method: job.method ?? 'GET',
  headers: job.headers,
  overallRate: job.overallRate,
  requests:
    cookies.length > 0 || bodies.length > 0
      ? [
          {
            method: job.method ?? 'GET',
            setupRequest: (request) => {
              const i = next++
              const headers = { ...request.headers }
              if (cookies.length > 0) {
                headers[job.credentialHeader ?? 'cookie'] = cookies[i % cookies.length]!
              }
              const body = bodies.length > 0 ? bodies[i % bodies.length] : undefined
              return { ...request, headers, ...(body === undefined ? {} : { body }) }
            },
          },
        ]
      : undefined,
})

const cpu = process.cpuUsage(cpuBefore)
const figures: LoadFigures = {
  requests: result.requests.total,
  rps: result.requests.total / job.seconds,
  p50: result.latency.p50,
  p99: result.latency.p99,
  errors: result.errors,
  timeouts: result.timeouts,
  non2xx: result.non2xx,
  loaderCpuUs: cpu.user + cpu.system, // every thread's
}
process.stdout.write(`${JSON.stringify(figures)}\n`)
