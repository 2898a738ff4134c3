import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { access, cp, mkdir } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import pg from 'pg'
import type { Queryable } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import {
  PROJECT_DIR,
  exitWithin,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'
import { hiddenInputs } from '../helpers/client.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { HttpBrowser } from '../helpers/http-request.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'
import { codeAt, setupSecretOf } from '../helpers/two-factor.js'

// `logon move-to postgres://…` (issue 14) as an operator runs it: people register,
// sign in, turn on a second factor and mistype passwords on a server on the embedded
// database; the server stops; the command copies DATA_DIR into a schema of its own on
// the real PostgreSQL server; a server started on that DATABASE_URL still knows every
// one of them, and DATA_DIR holds what it held.

const FAST_HASH_ENV = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' }
const PASSWORD = 'correct horse battery staple'

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `node --import tsx src/cli/logon.ts ARGS` with only `env` (and PATH/HOME) set; not awaited. */
function spawnLogon(args: string[], env: Record<string, string>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/logon.ts', ...args], {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const run: Run = { code: null, stdout: '', stderr: '' }
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (run.stdout += chunk))
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (run.stderr += chunk))
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
  const done = new Promise<Run>((resolve) => {
    proc.once('close', (code) => {
      clearTimeout(timer)
      run.code = code
      resolve(run)
    })
  })
  return { proc, run, done }
}

function runLogon(args: string[], env: Record<string, string>): Promise<Run> {
  return spawnLogon(args, env).done
}

/** Resolves once `read()` matches, or rejects when the process ends first. */
async function waitFor(proc: ChildProcess, read: () => string, pattern: RegExp): Promise<void> {
  const deadline = Date.now() + 30_000
  while (!pattern.test(read())) {
    if (proc.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no ${pattern} before the end:\n${read()}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
}

/**
 * Every row of every table of the current schema as JSON (to_jsonb: bytea as hex,
 * arrays as arrays, times in UTC to the microsecond), a form the command does not
 * use itself. schema_migrations is each side's own: only its versions.
 */
async function dump(db: Queryable): Promise<Record<string, string[]>> {
  await db.exec("SET TIME ZONE 'UTC'")
  const tables = await db.query<{ name: string }>(
    `SELECT table_name::text AS name FROM information_schema.tables
      WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1`,
  )
  const rows: Record<string, string[]> = {}
  for (const { name } of tables) {
    const select =
      name === 'schema_migrations'
        ? 'SELECT version::text AS row FROM schema_migrations ORDER BY 1'
        : `SELECT to_jsonb(t)::text AS row FROM "${name}" AS t ORDER BY 1`
    rows[name] = (await db.query<{ row: string }>(select)).map((r) => r.row)
  }
  return rows
}

/** The embedded database's dump, after `write` (rows a test adds itself) if given. */
async function dumpEmbedded(dataDir: string, write?: (db: Queryable) => Promise<unknown>) {
  const db = await openPGliteDatabase(dataDir)
  try {
    await write?.(db)
    return await dump(db)
  } finally {
    await db.close()
  }
}

/** The target schema through a plain client: what is there, seen from outside the command. */
async function withTarget<T>(schema: TestSchema, fn: (db: Queryable) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, options: schema.options })
  await client.connect()
  try {
    return await fn({
      query: async <Row>(sql: string, params?: readonly unknown[]) =>
        (await client.query(sql, params as unknown[])).rows as Row[],
      exec: async (sql: string) => void (await client.query(sql)),
    })
  } finally {
    await client.end()
  }
}

async function tablesIn(schema: TestSchema): Promise<number> {
  return withTarget(schema, async (db) => {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1`,
      [schema.name],
    )
    return row!.n
  })
}

/** The members list of a signed-in home page, as rendered. */
function membersOf(html: string): string {
  const list = /<ol class="members"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1]
  assert.ok(list, 'the home page lists members')
  return list
}

async function stop(server: ChildServer) {
  server.proc.kill('SIGTERM')
  assert.deepEqual(await exitWithin(server, 15_000), { code: 0, signal: null }, server.stderr())
}

describe(
  'logon move-to',
  {
    skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL',
    timeout: 180_000,
  },
  () => {
    let dir: Awaited<ReturnType<typeof tempDir>>
    const schemas: TestSchema[] = []
    const servers: ChildServer[] = []
    before(async () => {
      dir = await tempDir('logon-move-to-')
    })
    after(async () => {
      for (const server of servers) await server.kill()
      for (const schema of schemas) await schema.drop()
      await dir?.remove()
    })

    async function schema(): Promise<TestSchema & { url: string }> {
      const made = await createTestSchema(TEST_DATABASE_URL!, 'logon_move_')
      schemas.push(made)
      return Object.assign(made, { url: made.urlFor(TEST_DATABASE_URL!) })
    }

    async function start(env: Record<string, string>) {
      const server = await startServer({ ...FAST_HASH_ENV, ...env })
      servers.push(server)
      return server
    }

    test('everyone is still there on PostgreSQL, signed in, and DATA_DIR is unchanged', async () => {
      const dataDir = `${dir.path}/data`
      const embedded = await start({ DATA_DIR: dataDir })
      // While that server runs, DATA_DIR is its own: refused (below), and nothing is made.
      const whileRunning = await schema()
      const refusing = runLogon(['move-to', whileRunning.url], { DATA_DIR: dataDir })

      // Alice registers (and stays signed in); Bob turns a second factor on; someone
      // mistypes Alice's password twice (rows of the sign-in limits).
      const alice = new HttpBrowser(embedded.baseUrl)
      assert.equal(
        (await alice.submit('/register', '/register', { username: 'Alice', password: PASSWORD }))
          .status,
        303,
      )
      const bob = new HttpBrowser(embedded.baseUrl)
      assert.equal(
        (await bob.submit('/register', '/register', { username: 'Bob', password: PASSWORD }))
          .status,
        303,
      )
      const setup = await bob.get('/account/two-factor')
      assert.equal(setup.status, 200)
      const secret = setupSecretOf(setup.body)
      const enabled = await bob.post('/account/two-factor', {
        ...hiddenInputs(setup.body, '/account/two-factor'),
        code: codeAt(secret, new Date()),
      })
      assert.equal(enabled.status, 200, 'the second factor is on')
      const stranger = new HttpBrowser(embedded.baseUrl)
      for (let i = 0; i < 2; i++) {
        const failed = await stranger.submit('/login', '/login', {
          username: 'Alice',
          password: 'wrong password',
        })
        assert.equal(failed.status, 401)
      }
      const home = await alice.get('/')
      assert.equal(signedInAs(home.body), 'Alice')
      const members = membersOf(home.body)

      const refused = await refusing
      assert.equal(refused.code, 1, refused.stderr)
      assert.match(
        refused.stderr,
        /^logon move-to: DATA_DIR: .* is in use by another Logon process/,
      )
      assert.equal(refused.stderr.trimEnd().split('\n').length, 1, refused.stderr)
      assert.equal(await tablesIn(whileRunning), 0, 'nothing made on the target')
      await stop(embedded)

      // Values no page makes, straight into the embedded database: every byte, awkward
      // array elements, microseconds.
      const before = await dumpEmbedded(dataDir, (db) =>
        db.query(
          `INSERT INTO passkeys (id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at)
         SELECT 'credential-1', id, decode((SELECT string_agg(lpad(to_hex(b), 2, '0'), '') FROM generate_series(0, 255) AS b), 'hex'),
                9007199254740991, ARRAY['usb', 'a "quoted", {braced} \\ name', ''], 'multiDevice', true, 'Ключ 🔑',
                '2026-01-02 03:04:05.123456+00', NULL
           FROM users WHERE username_key = 'bob'`,
        ),
      )
      for (const table of [
        'users',
        'sessions',
        'server_secrets',
        'attempt_limits',
        'totp_factors',
        'recovery_codes',
        'passkeys',
        'auth_events',
      ]) {
        assert.ok(before[table]!.length > 0, `the embedded database has rows in ${table}`)
      }

      const target = await schema()
      const moved = await runLogon(['move-to', '--batch-size', '3', target.url], {
        DATA_DIR: dataDir,
      })
      assert.equal(moved.code, 0, `stdout:\n${moved.stdout}\nstderr:\n${moved.stderr}`)
      const total = Object.entries(before)
        .filter(([name]) => name !== 'schema_migrations')
        .reduce((sum, [, rows]) => sum + rows.length, 0)
      assert.match(
        moved.stdout,
        new RegExp(`Moved ${total} rows in ${Object.keys(before).length - 1} tables`),
      )
      assert.match(moved.stderr, /logon move-to: 3 of \d+ rows/, 'a progress line per batch')

      assert.deepEqual(
        await withTarget(target, dump),
        before,
        'every row of every table, value for value',
      )
      assert.deepEqual(
        await dumpEmbedded(dataDir),
        before,
        'the embedded database holds what it held',
      )
      await assert.rejects(access(`${dataDir}/logon.pid`), 'the DATA_DIR lock was released')

      // A second run into the same target is refused, and writes nothing.
      const again = await runLogon(['move-to', target.url], { DATA_DIR: dataDir })
      assert.equal(again.code, 1)
      assert.equal(again.stdout, '', 'a failure writes nothing to stdout')
      assert.match(
        again.stderr.trimEnd().split('\n').at(-1)!,
        /^logon move-to: the target: it already holds Logon data \(rows in .*users/,
      )
      assert.equal(
        again.stderr
          .trimEnd()
          .split('\n')
          .filter((line) => line.startsWith('logon move-to:')).length,
        1,
        again.stderr,
      )
      assert.deepEqual(await withTarget(target, dump), before)

      // The server on PostgreSQL: Alice's cookie still signs her in (the secret and her
      // session came along), she signs in with her password, Bob's second factor
      // works (its secret is encrypted under the server secret), the members list is
      // the one she saw, and a new account gets an id after the old ones.
      const server = await start({ DATABASE_URL: target.url })
      alice.baseUrl = server.baseUrl
      const after = await alice.get('/')
      assert.equal(signedInAs(after.body), 'Alice', 'the old cookie is still signed in')
      assert.equal(membersOf(after.body), members)
      const aliceAgain = new HttpBrowser(server.baseUrl)
      const signIn = await aliceAgain.submit('/login', '/login', {
        username: 'alice',
        password: PASSWORD,
      })
      assert.equal(signIn.status, 303)
      const bobAgain = new HttpBrowser(server.baseUrl)
      const firstStep = await bobAgain.submit('/login', '/login', {
        username: 'Bob',
        password: PASSWORD,
      })
      assert.equal(firstStep.status, 303)
      assert.equal(firstStep.headers.location, '/login/two-factor')
      // The next step's code: the one used to turn the factor on is spent.
      const secondStep = await bobAgain.submit('/login/two-factor', '/login/two-factor', {
        code: codeAt(secret, new Date(), 1),
      })
      assert.equal(secondStep.status, 303, secondStep.body)
      assert.equal(signedInAs((await bobAgain.get('/')).body), 'Bob')
      const dora = new HttpBrowser(server.baseUrl)
      assert.equal(
        (await dora.submit('/register', '/register', { username: 'Dora', password: PASSWORD }))
          .status,
        303,
      )
      const ids = await withTarget(target, (db) =>
        db.query<{ username: string; id: number }>(
          'SELECT username, id::int FROM users ORDER BY id',
        ),
      )
      assert.deepEqual(
        ids.map((row) => row.username),
        ['Alice', 'Bob', 'Dora'],
      )
      await stop(server)
    })

    test('a wrong command line, DATABASE_URL set, or a DATA_DIR with no database: refused in one line', async () => {
      const target = await schema()
      const empty = `${dir.path}/empty`
      await mkdir(empty)
      const cases: Array<[string, string[], Record<string, string>, number, RegExp]> = [
        [
          'no URL',
          ['move-to'],
          { DATA_DIR: empty },
          2,
          /^logon move-to: missing postgres:\/\/… \(see --help\)$/,
        ],
        [
          'not a postgres URL',
          ['move-to', 'mysql://db/x'],
          { DATA_DIR: empty },
          2,
          /must be a postgres:\/\/ URL/,
        ],
        [
          'a bad --batch-size',
          ['move-to', '--batch-size', '0', target.url],
          { DATA_DIR: empty },
          2,
          /--batch-size/,
        ],
        [
          'DATABASE_URL set',
          ['move-to', target.url],
          { DATA_DIR: empty, DATABASE_URL: target.url },
          1,
          /^logon move-to: DATABASE_URL is set/,
        ],
        [
          'no database in DATA_DIR',
          ['move-to', target.url],
          { DATA_DIR: empty },
          1,
          /^logon move-to: DATA_DIR: .* holds no embedded database/,
        ],
      ]
      const runs = await Promise.all(cases.map(([, args, env]) => runLogon(args, env)))
      for (const [i, [title, , , code, line]] of cases.entries()) {
        const run = runs[i]!
        assert.equal(run.code, code, `${title}: ${run.stderr}`)
        assert.equal(run.stdout, '', title)
        assert.equal(
          run.stderr.trimEnd().split('\n').length,
          1,
          `${title}: one line:\n${run.stderr}`,
        )
        assert.match(run.stderr.trimEnd(), line, title)
      }
      await assert.rejects(access(`${empty}/PG_VERSION`), 'no database was made in DATA_DIR')
      assert.equal(await tablesIn(target), 0)
    })

    test('a target that `logon migrate` prepared (its tables there, empty) is taken as well', async () => {
      const dataDir = `${dir.path}/data` // the first test's, its server stopped
      const target = await schema()
      // What `logon migrate` does with DATABASE_URL set, in this process.
      const prepared = openPostgresDatabase(target.url)
      try {
        assert.ok((await migrate(prepared)).length > 0)
      } finally {
        await prepared.close()
      }
      const moved = await runLogon(['move-to', target.url], { DATA_DIR: dataDir })
      assert.equal(moved.code, 0, `stdout:\n${moved.stdout}\nstderr:\n${moved.stderr}`)
      const embedded = await dumpEmbedded(dataDir)
      assert.deepEqual(await withTarget(target, dump), embedded)
    })

    test('Ctrl-C during the copy rolls it back: the target is left as it was, exit 130', async () => {
      // The first test's DATA_DIR, copied as a backup is (the server is stopped), and
      // filled with rows so that the copy takes a while in batches of 500.
      const dataDir = `${dir.path}/big`
      await cp(`${dir.path}/data`, dataDir, { recursive: true })
      const before = await dumpEmbedded(dataDir, (db) =>
        db.query(
          `INSERT INTO users (username, username_key, username_skeleton, password_hash, created_at)
           SELECT 'filler' || i, 'filler' || i, 'filler' || i, 'not a hash', now()
             FROM generate_series(1, 20000) AS i`,
        ),
      )
      const target = await schema()
      const moving = spawnLogon(['move-to', '--batch-size', '500', target.url], {
        DATA_DIR: dataDir,
      })
      await waitFor(moving.proc, () => moving.run.stderr, /logon move-to: [\d,]+ of [\d,]+ rows/)
      moving.proc.kill('SIGINT')
      const run = await moving.done
      assert.equal(run.code, 130, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`)
      assert.match(
        run.stderr,
        /logon move-to: stopped by SIGINT: the copy was rolled back; nothing was written/,
      )
      assert.doesNotMatch(run.stdout, /Moved/)
      assert.equal(
        await tablesIn(target),
        0,
        'not even the tables: the migrations were in the transaction',
      )
      assert.deepEqual(await dumpEmbedded(dataDir), before)
      await assert.rejects(access(`${dataDir}/logon.pid`), 'the DATA_DIR lock was released')
    })
  },
)
