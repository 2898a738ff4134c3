import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { notes, rows } from './findings.js'
import { CLK_TCK } from './process-sampling.js'
import {
  CONNECTIONS,
  LOADER,
  LOADER_THREADS,
  ROOT,
  SCENARIOS,
  SECONDS,
  WARMUP,
} from './settings.js'

// The raw figures of a run, in bench/results/<timestamp>.json: every row and note,
// the settings, the commit measured and the printed table, for docs/benchmarks.md.

function gitState() {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT }).toString().trim()
    const dirty = execFileSync('git', ['status', '--porcelain'], { cwd: ROOT }).toString().trim()
    return { commit, dirty: dirty ? dirty.split('\n') : [] }
  } catch {
    return undefined
  }
}

/** Writes the file; its path. */
export function writeResults(run: {
  machine: string
  otherPostgresClients: number
  elapsedSeconds: number
  table: string
}): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-')
  const file = join(ROOT, 'bench', 'results', `${stamp}.json`)
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true })
  writeFileSync(
    file,
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        machine: run.machine,
        git: gitState(),
        settings: {
          seconds: SECONDS,
          warmupSeconds: WARMUP,
          connections: CONNECTIONS,
          loader: LOADER,
          loaderThreads: LOADER_THREADS,
          scenarios: SCENARIOS,
          clockTicks: CLK_TCK,
        },
        otherPostgresClients: run.otherPostgresClients,
        rows,
        notes,
        elapsedSeconds: run.elapsedSeconds,
        table: run.table,
      },
      // The answers kept for the baseline's templates: pages, not figures.
      (key, value: unknown) => (key === 'page' ? undefined : value),
      2,
    )}\n`,
  )
  return file
}
