import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runNode, tmp } from './children.js'
import type { LoadFigures, LoadJob } from './load.js'
import { paths } from './scripts.js'
import { LOADER } from './settings.js'
import { runWrk } from './wrk.js'

/**
 * One run of the load generator in a process of its own, so that its CPU is never
 * counted as the server's: wrk (bench/wrk.ts), or autocannon (bench/load.ts: the job
 * goes over in a file, the figures come back as one JSON line). Either reports its
 * own CPU time, its cost on the cores it shares with the app.
 */
export async function load(job: LoadJob): Promise<LoadFigures> {
  if (LOADER === 'wrk') return runWrk(job)
  const file = join(tmp, `job-${randomBytes(4).toString('hex')}.json`)
  writeFileSync(file, JSON.stringify(job))
  const out = await runNode([paths.load, file], {})
  return JSON.parse(out) as LoadFigures
}
