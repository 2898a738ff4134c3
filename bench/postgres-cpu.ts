import { sql } from './databases.js'
import { postgresProcessTicks } from './process-sampling.js'
import { ADMIN_URL } from './settings.js'

// PostgreSQL's CPU for the server under test, while other clients (tests run by
// others on the same server) may be busy too. The servers under test connect with
// the bench schema's name as application_name (bench/databases.ts): their backends
// are counted, and apart from them PostgreSQL's background processes (WAL writer,
// checkpointer, background writer, the postmaster), since the app's writes make
// their work, though on a shared server others' writes do too; the client backends
// of other applications and the autovacuum workers (when they run has little to do
// with the run) are not. Own CPU only: a backend that exits is added to the
// postmaster's children's time, which is not read, so short connections of others
// (and of the bench's own checks) stay out.

export interface PostgresSample {
  ticks: Map<number, number>
  /** The pids of the server under test's backends. */
  ours: Set<number>
  /** The pids left out: other applications' backends, autovacuum workers. */
  others: Set<number>
}

export interface PostgresTicks {
  backends: number
  background: number
}

export async function samplePostgres(applicationName: string): Promise<PostgresSample> {
  const rows = await sql(
    ADMIN_URL,
    `SELECT pid, backend_type = 'client backend' AND application_name = $1 AS ours,
            backend_type = 'autovacuum worker'
              OR (backend_type = 'client backend' AND application_name IS DISTINCT FROM $1) AS other
       FROM pg_stat_activity`,
    [applicationName],
  )
  const pids = (which: 'ours' | 'other') =>
    new Set(rows.filter((row) => row[which] === true).map((row) => row.pid as number))
  // Read after the list: one that starts in between is in the next sample's list.
  return { ticks: postgresProcessTicks(), ours: pids('ours'), others: pids('other') }
}

/** The ticks from `before` to `after`; a process new meanwhile counts from its start. */
export function postgresTicksBetween(before: PostgresSample, after: PostgresSample): PostgresTicks {
  const ticks = { backends: 0, background: 0 }
  for (const [pid, now] of after.ticks) {
    if (before.others.has(pid) || after.others.has(pid)) continue
    const used = now - (before.ticks.get(pid) ?? 0)
    if (before.ours.has(pid) || after.ours.has(pid)) ticks.backends += used
    else ticks.background += used
  }
  return ticks
}

/** The application_name of a bench schema's URL (bench/databases.ts createSchema). */
export function applicationNameOf(env: Record<string, string>): string {
  const url = env.DATABASE_URL
  const name = url ? new URL(url).searchParams.get('application_name') : null
  if (!name) throw new Error('a server on PostgreSQL without the bench schema URL')
  return name
}
