import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import pg from 'pg'
import { cleanups, runNode } from './children.js'
import { log } from './log.js'
import { ADMIN_URL, ROOT } from './settings.js'

// The PostgreSQL side of the bench: a schema of its own for each data set (dropped on
// the way out), filled by `npm run seed`'s program as a user would fill it.

export async function sql(url: string, text: string, params: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, params)).rows
  } finally {
    await client.end()
  }
}

export interface Schema {
  name: string
  url: string
}

export async function createSchema(): Promise<Schema> {
  const name = `bench_${randomBytes(4).toString('hex')}`
  await sql(ADMIN_URL, `CREATE SCHEMA ${name}`)
  cleanups.push(async () => void (await sql(ADMIN_URL, `DROP SCHEMA IF EXISTS ${name} CASCADE`)))
  const options = encodeURIComponent(`-c search_path=${name}`)
  // application_name: how bench/postgres-cpu.ts tells the backends of the servers
  // under test from those of other clients.
  const query = `options=${options}&application_name=${name}`
  return { name, url: `${ADMIN_URL}${ADMIN_URL.includes('?') ? '&' : '?'}${query}` }
}

/** Filler members (and sessions) by `logon seed` (the build's), in DATABASE_URL or DATA_DIR. */
export async function seed(env: Record<string, string>, members: number, sessions = 0) {
  const out = await runNode(
    [
      join(ROOT, 'dist', 'cli', 'logon.js'),
      'seed',
      '--members',
      String(members),
      '--sessions',
      String(sessions),
    ],
    env,
  )
  log(`  ${out.trim().replace(/\n/g, '\n  ')}`)
}

/** Others' connections: their CPU would be counted in the postgres figures. */
export async function otherPostgresClients(): Promise<number> {
  const [row] = await sql(
    ADMIN_URL,
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()`,
  )
  return (row?.n as number | undefined) ?? 0
}
