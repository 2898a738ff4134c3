import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runNode, tmp } from './children.js'
import type { LoadFigures, LoadJob } from './load.js'
import { paths } from './scripts.js'

/**
 * One run of the load generator (bench/load.ts) in a process of its own, so that its
 * CPU is never counted as the server's: the job goes over in a file, the figures
 * come back as one JSON line.
 */
export async function load(job: LoadJob): Promise<LoadFigures> {
  const file = join(tmp, `job-${randomBytes(4).toString('hex')}.json`)
  writeFileSync(file, JSON.stringify(job))
  const out = await runNode([paths.load, file], {})
  return JSON.parse(out) as LoadFigures
}
