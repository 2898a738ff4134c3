import { PGlite, types, type Transaction } from '@electric-sql/pglite'
import type { Database, Queryable } from './database.js'

// int8 as a JavaScript number, as in the postgres driver: ids stay far below 2^53.
const parsers = { [types.INT8]: (value: string) => Number(value) }

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      const result = await target.query<Row>(sql, params as unknown[])
      return result.rows
    },
    async exec(sql: string) {
      await target.exec(sql)
    },
  }
}

/**
 * Opens the embedded database. `dataDir` undefined keeps it in memory (tests).
 * relaxedDurability stays false and synchronous_commit on (the defaults): a commit's
 * WAL reaches the OS through NODEFS before the query resolves, so a 303 after a write
 * survives a crash of the process. (PGlite runs with fsync=off: not a power loss.)
 */
export async function openPGliteDatabase(dataDir?: string): Promise<Database> {
  const pg = await PGlite.create({ dataDir, parsers, relaxedDurability: false })
  const base = wrap(pg)
  return {
    engine: 'pglite',
    ...base,
    transaction: (fn) => pg.transaction((tx) => fn(wrap(tx))),
    async ping() {
      await pg.query('SELECT 1')
    },
    // In-process: there is no connection to lose, so onLost is never called.
    async listen(channel, { onMessage }) {
      const unlisten = await pg.listen(channel, onMessage)
      return {
        async notify(to, payload) {
          await pg.query('SELECT pg_notify($1, $2)', [to, payload])
        },
        close: () => unlisten(),
      }
    },
    close: () => pg.close(),
  }
}
