import { sql } from './databases.js'
import { postgresProcessTicks } from './process-sampling.js'
import { ADMIN_URL } from './settings.js'

// PostgreSQL's CPU for the server under test, while other clients (tests run by
// others on the same server) may be busy too: every postgres process but the client
// backends of other applications and the autovacuum workers. The servers under test
// connect with the bench schema's name as application_name (bench/databases.ts).
// PostgreSQL's other background processes (WAL writer, checkpointer, background
// writer) are counted, since the app's writes make their work; autovacuum is not,
// since when it runs has little to do with the run (it may be vacuuming the tables
// just seeded, or anyone's). Own CPU only: a backend that exits is added to the
// postmaster's children's time, which is not read, so short connections of others
// (and of the bench's own checks) stay out.

export interface PostgresSample {
  ticks: Map<number, number>
  others: Set<number>
}

/** The client backends whose application_name is not `applicationName`, and autovacuum's. */
async function otherBackends(applicationName: string): Promise<Set<number>> {
  const rows = await sql(
    ADMIN_URL,
    `SELECT pid FROM pg_stat_activity
      WHERE backend_type = 'autovacuum worker'
         OR (backend_type = 'client backend' AND application_name IS DISTINCT FROM $1)`,
    [applicationName],
  )
  return new Set(rows.map((row) => row.pid as number))
}

export async function samplePostgres(applicationName: string): Promise<PostgresSample> {
  // One of theirs that starts between the two reads is in the next sample's list.
  const others = await otherBackends(applicationName)
  return { ticks: postgresProcessTicks(), others }
}

/** The ticks from `before` to `after`; a process new meanwhile counts from its start. */
export function postgresTicksBetween(before: PostgresSample, after: PostgresSample): number {
  let ticks = 0
  for (const [pid, now] of after.ticks) {
    if (before.others.has(pid) || after.others.has(pid)) continue
    ticks += now - (before.ticks.get(pid) ?? 0)
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
