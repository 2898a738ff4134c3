import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runProgram, tmp } from './children.js'
import type { LoadFigures, LoadJob } from './load.js'
import { CLK_TCK } from './process-sampling.js'
import { LOADER_THREADS, ROOT } from './settings.js'

// The default load generator of `npm run bench`: Debian's wrk, a C program, which on
// these two shared cores costs about half the CPU per request of autocannon (Node),
// leaving the app more of them. bench/wrk.lua builds the requests (a credential and a
// form body per request in rotation, a steady pause) and reports the figures.

const WRK = '/usr/bin/wrk'
const SCRIPT = join(ROOT, 'bench', 'wrk.lua')

interface WrkReport {
  requests: number
  durationUs: number
  p50Us: number
  p99Us: number
  socketErrors: number
  timeouts: number
  status4xx5xx: number
  cpuTicks: number
}

function scratchFile(text: string): string {
  const file = join(tmp, `wrk-${randomBytes(4).toString('hex')}`)
  writeFileSync(file, text)
  return file
}

export async function runWrk(job: LoadJob): Promise<LoadFigures> {
  const credentials = job.cookies?.length ? scratchFile(`${job.cookies.join('\n')}\n`) : '-'
  // Form bodies hold no line break (URL-encoded): one a line.
  const bodies = job.bodies?.length ? scratchFile(`${job.bodies.join('\n')}\n`) : '-'
  // wrk paces a connection with a pause before each of its requests: this many
  // milliseconds make `overallRate` over all connections, less the answers' own time.
  const pauseMs = job.overallRate ? Math.round((1000 * job.connections) / job.overallRate) : 0
  const headers = Object.entries(job.headers ?? {}).flatMap(([name, value]) => [
    '-H',
    `${name}: ${value}`,
  ])
  const args = [
    ...['-t', String(Math.min(LOADER_THREADS, job.connections))],
    ...['-c', String(job.connections)],
    ...['-d', `${Math.max(1, Math.round(job.seconds))}s`],
    ...['--timeout', '10s'],
    ...headers,
    ...['-s', SCRIPT, job.url, '--'],
    ...[
      credentials,
      job.credentialHeader ?? 'cookie',
      job.method ?? 'GET',
      bodies,
      String(pauseMs),
    ],
  ]
  const out = await runProgram(WRK, args, {}).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') {
      throw new Error(`${WRK} not found: apt-get install -y wrk, or BENCH_LOADER=autocannon`)
    }
    throw error
  })
  const last = out.trim().split('\n').at(-1) ?? ''
  const report = JSON.parse(last) as WrkReport
  return {
    requests: report.requests,
    rps: report.requests / (report.durationUs / 1e6),
    p50: report.p50Us / 1000,
    p99: report.p99Us / 1000,
    errors: report.socketErrors,
    timeouts: report.timeouts,
    non2xx: report.status4xx5xx,
    loaderCpuUs: (report.cpuTicks * 1e6) / CLK_TCK,
  }
}
