import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import pg from 'pg'
import { setTimeout as sleep } from 'node:timers/promises'
import { DatabaseUnavailableError, type Database } from '../../src/db/database.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { adminQuery } from '../helpers/pg-schema.js'

// Found by tests/process/postgres-restart.test.ts: PostgreSQL stopped under load ended
// the server process in 3 runs of 4 ("stopping after an unexpected error", exit 1).
// pg-pool takes its 'error' listener off a connection it hands out, and a transaction
// holds one between its statements: a server that ended that connection then (a fast
// shutdown, a restart, pg_terminate_backend) made the client emit an 'error' nobody
// heard, an uncaught exception. Now the transaction fails with a 503 and the process
// goes on.

const skip = TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set'
let db: Database | undefined
const uncaught: unknown[] = []
const onUncaught = (error: unknown) => uncaught.push(error)

before(() => {
  // The test runner would report it as the test's failure too, but only after the fact.
  process.on('uncaughtException', onUncaught)
})
after(async () => {
  process.off('uncaughtException', onUncaught)
  await db?.close()
})

async function backendAlive(pid: number): Promise<boolean> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL })
  await client.connect()
  try {
    const { rows } = await client.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])
    return rows.length > 0
  } finally {
    await client.end()
  }
}

test(
  'the server ends a connection between two statements of a transaction: a 503 for that transaction, no uncaught error',
  { skip },
  async () => {
    db = openPostgresDatabase(TEST_DATABASE_URL!)
    const attempt = db.transaction(async (tx) => {
      const [row] = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')
      // Between two statements, as a transaction is while its code awaits something else.
      await adminQuery(TEST_DATABASE_URL!, `SELECT pg_terminate_backend(${row!.pid})`)
      // Until the backend is gone: the statement below must meet an ended connection,
      // not a running one (which fails as a query, with or without the fix).
      for (let tries = 0; tries < 250 && (await backendAlive(row!.pid)); tries++) await sleep(20)
      await sleep(50) // and its end has reached this client's socket
      await tx.query('SELECT 1')
    })
    await assert.rejects(attempt, DatabaseUnavailableError)
    assert.deepEqual(uncaught, [], 'no error went unheard')
    // The pool replaced the connection: the next statement works.
    assert.deepEqual(await db.query('SELECT 1 AS one'), [{ one: 1 }])
  },
)
