import { PGlite, types, type Transaction } from '@electric-sql/pglite'
import { setFlagsFromString } from 'node:v8'
import { withCommitHooks, type Database, type Queryable } from './database.js'

// V8 compiles WebAssembly twice by default: at once with its baseline compiler
// (Liftoff), then hot functions again with TurboFan on background threads. For PGlite
// that second pass is a few 100 ms of CPU right at start-up (and Node's event loop,
// idle while PGlite works synchronously, waits for it), and about 70 MiB of memory,
// for queries only 5-9 % faster once warm (decision 0004 has the figures and the
// costs). The flag is read when a module is compiled, so it is set just before PGlite
// compiles its own; it holds for the rest of the process. V8 has no TurboFan fallback
// under it: a PGlite build that Liftoff could not compile would fail to open, which
// every test on the embedded engine would show at once.
let compilingWithLiftoffOnly = false
function compileWebAssemblyWithLiftoffOnly() {
  if (compilingWithLiftoffOnly) return
  setFlagsFromString('--liftoff-only')
  compilingWithLiftoffOnly = true
}

// int8 as a JavaScript number, as in the postgres driver: ids stay far below 2^53.
const parsers = { [types.INT8]: (value: string) => Number(value) }

// PGlite's errors carry the statement and its parameters (query, params,
// queryOptions), and the error handler logs errors whole: a failing password upgrade
// or session insert logged argon2 hashes and session secret hashes. Logs never hold
// those, so they are taken off here, where every statement passes. The
// message, code and severity stay: database.ts and the logs judge errors by them.
// node-postgres's errors carry no statement (postgres.ts passes them as they are).
// `detail` and `internalQuery` go too: a constraint's detail quotes the values of
// the key it refused ("Key (secret_hash)=(...) already exists").
const STATEMENT_FIELDS = ['query', 'params', 'queryOptions', 'detail', 'internalQuery']

function withoutStatement(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error
  for (const field of STATEMENT_FIELDS) delete (error as Record<string, unknown>)[field]
  return error
}

function wrap(target: PGlite | Transaction): Queryable {
  return {
    async query<Row>(sql: string, params: readonly unknown[] = []) {
      try {
        const result = await target.query<Row>(sql, params as unknown[])
        return result.rows
      } catch (error) {
        throw withoutStatement(error)
      }
    },
    async exec(sql: string) {
      try {
        await target.exec(sql)
      } catch (error) {
        throw withoutStatement(error)
      }
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
  compileWebAssemblyWithLiftoffOnly()
  const pg = await PGlite.create({ dataDir, parsers, relaxedDurability: false })
  const base = wrap(pg)
  return {
    engine: 'pglite',
    ...base,
    transaction: (fn) => withCommitHooks((inner) => pg.transaction((tx) => inner(wrap(tx))), fn),
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
