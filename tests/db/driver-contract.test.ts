import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import {
  DatabaseUnavailableError,
  isUniqueViolation,
  type Database,
  type Queryable,
  type Transaction,
} from '../../src/db/database.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { freePort } from '../helpers/child-server.js'
import {
  engines,
  openTestDatabase,
  TEST_DATABASE_URL,
  type TestDatabase,
} from '../helpers/databases.js'
import { TcpProxy } from '../helpers/tcp-proxy.js'

// The contract of src/db/database.ts, run against every engine:
// whatever the engine, the same SQL gives the same JavaScript values, the same
// transaction behaviour and the same errors.

interface RoundTrip {
  what: string
  /** A column type of the round_trip table. */
  type: 'bigint' | 'integer' | 'timestamptz' | 'bytea' | 'boolean' | 'text'
  value: unknown
  expected: unknown
}

const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i))

const roundTrips: RoundTrip[] = [
  {
    what: 'an int8 given as the largest safe JS number comes back as that number',
    type: 'bigint',
    value: Number.MAX_SAFE_INTEGER,
    expected: Number.MAX_SAFE_INTEGER,
  },
  {
    what: 'an int8 given as a JS bigint comes back as a JS number',
    type: 'bigint',
    value: -42n,
    expected: -42,
  },
  { what: 'an int4 comes back as a JS number', type: 'integer', value: -7, expected: -7 },
  {
    what: 'a timestamptz comes back as a Date with its milliseconds',
    type: 'timestamptz',
    value: new Date('2026-01-01T12:00:00.123Z'),
    expected: new Date('2026-01-01T12:00:00.123Z'),
  },
  {
    what: 'a timestamptz before 1970 comes back as the same Date',
    type: 'timestamptz',
    value: new Date('1969-07-20T20:17:40.001Z'),
    expected: new Date('1969-07-20T20:17:40.001Z'),
  },
  {
    what: 'bytea with every byte value comes back byte for byte',
    type: 'bytea',
    value: ALL_BYTES,
    expected: ALL_BYTES,
  },
  {
    what: 'an empty bytea comes back empty',
    type: 'bytea',
    value: Buffer.alloc(0),
    expected: Buffer.alloc(0),
  },
  { what: 'true comes back as true', type: 'boolean', value: true, expected: true },
  { what: 'false comes back as false', type: 'boolean', value: false, expected: false },
  {
    what: 'text with accents, CJK, emoji, combining marks and bidi controls comes back unchanged',
    type: 'text',
    value: 'Zoë Ωμέγα 日本語 🦊👩‍💻 e\u0301 \u202eabc\u202c',
    expected: 'Zoë Ωμέγα 日本語 🦊👩‍💻 e\u0301 \u202eabc\u202c',
  },
  {
    what: 'text with quotes, backslashes and newlines comes back unchanged',
    type: 'text',
    value: `O'Brien \\ "x" \n\t$1`,
    expected: `O'Brien \\ "x" \n\t$1`,
  },
  { what: 'an empty text comes back empty', type: 'text', value: '', expected: '' },
  ...(['bigint', 'integer', 'timestamptz', 'bytea', 'boolean', 'text'] as const).map(
    (type): RoundTrip => ({
      what: `a null ${type} comes back as null`,
      type,
      value: null,
      expected: null,
    }),
  ),
]

/** bytea is a Buffer from pg and a plain Uint8Array from PGlite: compare the bytes. */
function comparable(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value) : value
}

async function settle(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection'),
    (error: unknown) => error,
  )
}

for (const engine of engines) {
  describe(`the Database contract (${engine})`, () => {
    let handle: TestDatabase
    let db: Database

    before(async () => {
      handle = await openTestDatabase(engine, { migrated: false })
      db = handle.db
      await db.exec(`
        CREATE TABLE round_trip (
          id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          v_bigint bigint, v_integer integer, v_timestamptz timestamptz,
          v_bytea bytea, v_boolean boolean, v_text text
        );
        CREATE TABLE items (
          id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
          name text NOT NULL CONSTRAINT items_name_unique UNIQUE
        );
        -- Named so that an error message about it contains "timeout".
        CREATE TABLE retry_policies (
          name text NOT NULL CONSTRAINT retry_policies_timeout_unique UNIQUE
        );`)
    })
    after(() => handle.close())
    beforeEach(() => db.exec('TRUNCATE round_trip, items, retry_policies RESTART IDENTITY'))

    const itemNames = async (on: Queryable = db) =>
      (await on.query<{ name: string }>('SELECT name FROM items ORDER BY id')).map((r) => r.name)

    describe('parameters and results', () => {
      for (const { what, type, value, expected } of roundTrips) {
        test(`${what}, through a parameter and a ${type} column`, async () => {
          const column = `v_${type}`
          const [inserted] = await db.query<Record<string, unknown>>(
            `INSERT INTO round_trip (${column}) VALUES ($1) RETURNING id, ${column} AS v`,
            [value],
          )
          assert.deepEqual(comparable(inserted!.v), expected, 'RETURNING')
          const [selected] = await db.query<{ v: unknown }>(
            `SELECT ${column} AS v FROM round_trip WHERE id = $1`,
            [inserted!.id],
          )
          assert.deepEqual(comparable(selected!.v), expected, 'SELECT')
          if (type === 'bytea' && value !== null) assert.ok(selected!.v instanceof Uint8Array)
        })
      }

      test('values the database computes come back typed: count, identity, now and a microsecond timestamptz', async () => {
        await db.query(`INSERT INTO items (name) VALUES ('a'), ('b')`)
        const [row] = await db.query<{ n: unknown; max_id: unknown; now: unknown; t: unknown }>(
          `SELECT count(*) AS n, max(id) AS max_id, now() AS now,
                  '2026-01-01T12:00:00.123456Z'::timestamptz AS t
             FROM items`,
        )
        assert.equal(row!.n, 2, 'count(*) is an int8: a JS number')
        assert.equal(row!.max_id, 2, 'a bigint identity is a JS number')
        assert.ok(row!.now instanceof Date, 'now() is a Date')
        assert.deepEqual(row!.t, new Date('2026-01-01T12:00:00.123Z'), 'microseconds cut to ms')
      })

      test('an int8 array comes back as an array of JS numbers, as a single int8 does', async () => {
        const [row] = await db.query<{ ids: unknown }>(
          'SELECT ARRAY[1, 9007199254740991]::bigint[] AS ids',
        )
        assert.deepEqual(row!.ids, [1, 9007199254740991])
      })

      test('a parameter is data, never SQL', async () => {
        const hostile = `x'); DROP TABLE items; --`
        await db.query('INSERT INTO items (name) VALUES ($1)', [hostile])
        assert.deepEqual(await itemNames(), [hostile])
      })
    })

    describe('exec', () => {
      test('exec runs a script of several statements in order', async () => {
        await db.exec(`
          CREATE TABLE script_rows (n integer NOT NULL);
          INSERT INTO script_rows VALUES (1);
          INSERT INTO script_rows VALUES (2);
          UPDATE script_rows SET n = n * 10;
          INSERT INTO items (name) SELECT 'from script ' || n FROM script_rows ORDER BY n;
          DROP TABLE script_rows;`)
        assert.deepEqual(await itemNames(), ['from script 10', 'from script 20'])
      })

      test('a script that fails part-way rejects and applies none of its statements', async () => {
        const error = await settle(
          db.exec(`
            INSERT INTO items (name) VALUES ('before the error');
            CREATE TABLE half_made (n integer);
            SELEC 1;
            INSERT INTO items (name) VALUES ('after the error');`),
        )
        assert.equal((error as { code?: string }).code, '42601', 'a syntax error')
        assert.deepEqual(await itemNames(), [])
        const [row] = await db.query<{ t: unknown }>(`SELECT to_regclass('half_made') AS t`)
        assert.equal(row!.t, null)
      })
    })

    describe('transaction', () => {
      test('a transaction whose function resolves commits and returns its value', async () => {
        const value = await db.transaction(async (tx) => {
          await tx.query(`INSERT INTO items (name) VALUES ('one'), ('two')`)
          return 'done'
        })
        assert.equal(value, 'done')
        assert.deepEqual(await itemNames(), ['one', 'two'])
      })

      test('a transaction whose function throws rolls back and rejects with that error', async () => {
        const thrown = new Error('changed my mind')
        const error = await settle(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO items (name) VALUES ('never')`)
            await tx.exec(`INSERT INTO items (name) VALUES ('nor this')`)
            throw thrown
          }),
        )
        assert.equal(error, thrown)
        assert.deepEqual(await itemNames(), [])
      })

      test('a transaction whose statement fails rolls back the earlier statements', async () => {
        await db.query(`INSERT INTO items (name) VALUES ('taken')`)
        const error = await settle(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO items (name) VALUES ('first')`)
            await tx.query(`INSERT INTO items (name) VALUES ('taken')`)
          }),
        )
        assert.ok(isUniqueViolation(error), 'the unique violation comes out of the transaction')
        assert.deepEqual(await itemNames(), ['taken'])
      })

      test('after a rolled-back transaction the next transactions and queries work normally', async () => {
        for (let i = 0; i < 3; i++) {
          await settle(
            db.transaction(async (tx) => {
              await tx.query(`INSERT INTO items (name) VALUES ('rolled back')`)
              await tx.query('SELECT 1 / 0')
            }),
          )
          await db.transaction((tx) =>
            tx.query('INSERT INTO items (name) VALUES ($1)', [`ok ${i}`]),
          )
        }
        assert.deepEqual(await itemNames(), ['ok 0', 'ok 1', 'ok 2'])
      })

      test('the tx object works when passed down through nested helpers and used concurrently', async () => {
        const addItem = async (q: Queryable, name: string) => {
          const [row] = await q.query<{ id: number }>(
            'INSERT INTO items (name) VALUES ($1) RETURNING id',
            [name],
          )
          return row!.id
        }
        const addPair = async (q: Queryable, prefix: string) => [
          await addItem(q, `${prefix} a`),
          await addItem(q, `${prefix} b`),
        ]
        const result = await db.transaction(async (tx) => {
          const ids = await addPair(tx, 'nested')
          const more = await Promise.all([addItem(tx, 'parallel 1'), addItem(tx, 'parallel 2')])
          await tx.exec(`INSERT INTO items (name) VALUES ('by exec')`)
          const seen = await itemNames(tx)
          return { ids: [...ids, ...more], seen }
        })
        assert.equal(result.seen.length, 5, 'the transaction sees its own writes')
        assert.deepEqual(
          result.ids.map((id) => typeof id),
          ['number', 'number', 'number', 'number'],
        )
        assert.deepEqual((await itemNames()).sort(), [...result.seen].sort())
      })

      test('a transaction resolves only if it committed, even when the function caught a failed statement', async () => {
        // After a failed statement the server turns COMMIT into ROLLBACK without an
        // error: resolving then would report as committed writes that are gone.
        const outcome = await db
          .transaction(async (tx) => {
            await tx.query(`INSERT INTO items (name) VALUES ('lost?')`)
            await tx.query(`INSERT INTO items (name) VALUES ('lost?')`).catch(() => undefined)
            return 'resolved'
          })
          .catch(() => 'rejected')
        const names = await itemNames()
        assert.ok(
          (outcome === 'resolved' && names.length === 1) ||
            (outcome === 'rejected' && !names.length),
          `the transaction ${outcome} and left ${names.length} rows`,
        )
      })

      test('the tx object refuses statements once its transaction has ended', async () => {
        // On a pool, the connection goes back to the pool at COMMIT and may already
        // carry another caller's transaction: a late statement must not run there.
        let leaked: Queryable | undefined
        await db.transaction(async (tx) => {
          leaked = tx
        })
        await assert.rejects(leaked!.query(`INSERT INTO items (name) VALUES ('late')`))
        assert.deepEqual(await itemNames(), [])
      })

      test('afterCommit runs once, with the row committed, before transaction() resolves', async () => {
        let runs = 0
        let resolved = false
        let seenFromOutside: Promise<string[]> | undefined
        const pending = db.transaction(async (tx) => {
          await tx.query(`INSERT INTO items (name) VALUES ('kept')`)
          tx.afterCommit(() => {
            assert.equal(resolved, false, 'before the caller goes on')
            runs++
            // Outside the transaction: on a pool another connection, which sees only
            // what has committed. (A hook run before the COMMIT could still race it
            // here; the two tests below, where no commit happens, are what catch that.)
            seenFromOutside = itemNames()
          })
        })
        void pending.then(() => (resolved = true))
        await pending
        assert.equal(runs, 1, 'once')
        assert.deepEqual(await seenFromOutside, ['kept'], 'the row was committed when it ran')
      })

      test('afterCommit never runs when the transaction rolls back', async () => {
        let ran = false
        await settle(
          db.transaction(async (tx) => {
            tx.afterCommit(() => (ran = true))
            await tx.query(`INSERT INTO items (name) VALUES ('gone')`)
            throw new Error('rolled back')
          }),
        )
        assert.equal(ran, false)
        assert.deepEqual(await itemNames(), [])
      })

      test('afterCommit never runs when the COMMIT itself fails (a deferred constraint)', async () => {
        await db.exec(
          `DROP TABLE IF EXISTS deferred_items;
           CREATE TABLE deferred_items (name text UNIQUE DEFERRABLE INITIALLY DEFERRED)`,
        )
        let ran = false
        const error = await settle(
          db.transaction(async (tx) => {
            tx.afterCommit(() => (ran = true))
            await tx.query(`INSERT INTO deferred_items (name) VALUES ('twice'), ('twice')`)
          }),
        )
        assert.ok(error instanceof Error, 'the transaction rejects')
        assert.equal(ran, false, 'no hook after a failed commit')
        await db.exec('DROP TABLE deferred_items')
      })

      test('every afterCommit hook runs even when one throws; the commit stands and the failure is reported', async () => {
        const ran: string[] = []
        const error = await settle(
          db.transaction(async (tx) => {
            await tx.query(`INSERT INTO items (name) VALUES ('committed')`)
            tx.afterCommit(() => {
              ran.push('first')
              throw new Error('a broken hook')
            })
            tx.afterCommit(() => void ran.push('second'))
          }),
        )
        assert.ok(error instanceof AggregateError, 'reported')
        assert.deepEqual(ran, ['first', 'second'])
        assert.deepEqual(await itemNames(), ['committed'])
      })

      test('afterCommit on a transaction that has ended throws rather than never running', async () => {
        let leaked: Transaction | undefined
        await db.transaction(async (tx) => {
          leaked = tx
        })
        assert.throws(() => leaked!.afterCommit(() => {}), /ended/)
      })
    })

    describe('errors', () => {
      test('isUniqueViolation recognises a duplicate insert through query', async () => {
        await db.query(`INSERT INTO items (name) VALUES ('dup')`)
        const error = await settle(db.query(`INSERT INTO items (name) VALUES ('dup')`))
        assert.equal(isUniqueViolation(error), true)
      })

      const notUnique: { what: string; make: () => Promise<unknown> }[] = [
        {
          what: 'a NOT NULL violation',
          make: () => settle(db.query('INSERT INTO items (name) VALUES (NULL)')),
        },
        { what: 'a syntax error', make: () => settle(db.query('SELEC 1')) },
        { what: 'a plain Error', make: async () => new Error('23505') },
        { what: 'the string 23505', make: async () => '23505' },
        { what: 'null', make: async () => null },
        { what: 'undefined', make: async () => undefined },
        { what: 'a DatabaseUnavailableError', make: async () => new DatabaseUnavailableError() },
      ]
      for (const { what, make } of notUnique) {
        test(`isUniqueViolation is false for ${what}`, async () => {
          assert.equal(isUniqueViolation(await make()), false)
        })
      }

      test('a statement error is the engine error with its SQLSTATE, not DatabaseUnavailableError', async () => {
        const error = await settle(db.query('SELECT * FROM no_such_table'))
        assert.ok(!(error instanceof DatabaseUnavailableError))
        assert.equal((error as { code?: string }).code, '42P01')
      })

      const wordyErrors: { what: string; run: () => Promise<unknown>; code: string }[] = [
        {
          what: 'a duplicate insert on a constraint whose name contains "timeout"',
          run: async () => {
            await db.query(`INSERT INTO retry_policies (name) VALUES ('fast')`)
            await db.query(`INSERT INTO retry_policies (name) VALUES ('fast')`)
          },
          code: '23505',
        },
        {
          what: 'a bad integer whose text is "terminated"',
          run: () => db.query('SELECT $1::integer', ['terminated']),
          code: '22P02',
        },
      ]
      for (const { what, run, code } of wordyErrors) {
        test(`${what} keeps its SQLSTATE ${code} and is not taken for an outage`, async () => {
          const error = await settle(run())
          assert.ok(!(error instanceof DatabaseUnavailableError), 'not DatabaseUnavailableError')
          assert.equal((error as { code?: string }).code, code)
        })
      }
    })

    test('ping resolves when the database answers', async () => {
      assert.equal(await db.ping(), undefined)
    })
  })
}

describe(
  'the postgres driver when the server does not answer',
  { skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL' },
  () => {
    const operations: { name: string; run: (db: Database) => Promise<unknown> }[] = [
      { name: 'query', run: (db) => db.query('SELECT 1') },
      { name: 'exec', run: (db) => db.exec('SELECT 1') },
      { name: 'ping', run: (db) => db.ping() },
      { name: 'transaction', run: (db) => db.transaction((tx) => tx.query('SELECT 1')) },
    ]
    for (const { name, run } of operations) {
      test(`${name} against a closed port rejects with DatabaseUnavailableError in under 3 s`, async () => {
        const url = new URL(TEST_DATABASE_URL!)
        url.hostname = '127.0.0.1'
        url.port = String(await freePort())
        const db = openPostgresDatabase(url.toString())
        try {
          const start = performance.now()
          const error = await settle(run(db))
          const ms = performance.now() - start
          assert.ok(error instanceof DatabaseUnavailableError, `got ${String(error)}`)
          assert.equal(error.code, 'DB_UNAVAILABLE')
          assert.ok(ms < 3_000, `took ${Math.round(ms)} ms`)
        } finally {
          await db.close()
        }
      })
    }

    // Regression: a transaction on a connection that stopped answering used to wait
    // for the statement timeout twice (the statement, then a ROLLBACK on the dead
    // connection): 5.0 s, at the edge of docs/contract.md's 5 s to a 503.
    const hangs: {
      where: string
      fn: (tx: Queryable, proxy: TcpProxy) => Promise<unknown>
    }[] = [
      { where: 'at BEGIN', fn: (tx) => tx.query('SELECT 1') },
      {
        where: 'at a statement inside the transaction',
        fn: async (tx, proxy) => {
          await tx.query('SELECT 1')
          proxy.blackhole()
          await tx.query('SELECT 2')
        },
      },
      {
        where: 'at COMMIT',
        fn: async (tx, proxy) => {
          await tx.query('SELECT 1')
          proxy.blackhole()
        },
      },
    ]
    for (const { where, fn } of hangs) {
      test(
        `a transaction whose connection hangs ${where} rejects with DatabaseUnavailableError in under 4.5 s`,
        { timeout: 20_000 },
        async () => {
          const target = new URL(TEST_DATABASE_URL!)
          const proxy = await TcpProxy.start({
            host: target.hostname,
            port: Number(target.port || 5432),
          })
          const db = openPostgresDatabase(proxy.urlFor(TEST_DATABASE_URL!), {
            max: 1,
            onError: () => undefined,
          })
          try {
            await db.ping()
            assert.equal(proxy.connections, 1, 'the pool holds one open connection')
            if (where === 'at BEGIN') proxy.blackhole()
            const start = performance.now()
            const error = await settle(db.transaction((tx) => fn(tx, proxy)))
            const ms = performance.now() - start
            assert.ok(error instanceof DatabaseUnavailableError, `got ${String(error)}`)
            assert.ok(ms < 4_500, `took ${Math.round(ms)} ms`)

            await proxy.restore()
            const [row] = await db.transaction((tx) => tx.query<{ n: number }>('SELECT 3 AS n'))
            assert.equal(row!.n, 3, 'a transaction works again once the network is back')
          } finally {
            await proxy.close()
            await db.close()
          }
        },
      )
    }
  },
)
