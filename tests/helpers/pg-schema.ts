import { randomBytes } from 'node:crypto'
import pg from 'pg'

// A schema of its own on the real PostgreSQL server (TEST_DATABASE_URL), for tests
// that hand the app a DATABASE_URL: the URL carries the search_path, which
// node-postgres passes on as the `options` startup parameter.

export interface TestSchema {
  readonly name: string
  /** For openPostgresDatabase's `options`. */
  readonly options: string
  /** `base` with `?options=-c search_path=<schema>` added. */
  urlFor(base: string): string
  drop(): Promise<void>
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 })
  await client.connect()
  try {
    await client.query(sql)
  } finally {
    await client.end()
  }
}

export async function createTestSchema(adminUrl: string, prefix: string): Promise<TestSchema> {
  const name = `${prefix}${randomBytes(6).toString('hex')}`
  await adminQuery(adminUrl, `CREATE SCHEMA ${name}`)
  const options = `-c search_path=${name}`
  return {
    name,
    options,
    urlFor(base) {
      // encodeURIComponent, not URLSearchParams: that one writes a space as '+'.
      return `${base}${base.includes('?') ? '&' : '?'}options=${encodeURIComponent(options)}`
    },
    drop: () => adminQuery(adminUrl, `DROP SCHEMA IF EXISTS ${name} CASCADE`),
  }
}
