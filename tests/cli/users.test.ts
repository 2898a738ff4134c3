import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import { loadConfig } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { freePort, PROJECT_DIR, tempDir } from '../helpers/child-server.js'
import { TestClient } from '../helpers/client.js'
import { httpRequest } from '../helpers/http-request.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema } from '../helpers/pg-schema.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// `logon users …` as an operator runs it: the executable (bin/logon.js), its lines,
// --json and exit codes, on each engine; what a change does to sign-in and sessions is
// also tests/http/operator-controls.test.ts.

const execFileAsync = promisify(execFile)
const PASSWORD = 'correct horse battery staple'
const PUBLIC_ORIGIN = 'https://logon.example'

interface Run {
  code: number
  stdout: string
  stderr: string
}

async function logon(args: string[], env: Record<string, string>): Promise<Run> {
  const options = {
    cwd: PROJECT_DIR,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
  }
  try {
    const { stdout, stderr } = await execFileAsync(
      process.execPath,
      [join(PROJECT_DIR, 'bin', 'logon.js'), ...args],
      options,
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

function json<T>(run: Run): T {
  assert.equal(run.code, 0, run.stderr)
  return JSON.parse(run.stdout) as T
}

interface Engine {
  name: string
  skip: string | false
  /** Every check, or (the embedded engine, whose each start takes seconds) the few it changes. */
  full: boolean
  /** A database with its env for the command, and a way to open it in this process. */
  setUp(): Promise<{
    env: Record<string, string>
    open(): Promise<Database>
    tearDown(): Promise<void>
  }>
}

const engines: Engine[] = [
  {
    name: 'PostgreSQL',
    skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set',
    full: true,
    async setUp() {
      const schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_cli_users_')
      return {
        env: { DATABASE_URL: schema.urlFor(TEST_DATABASE_URL!) },
        open: async () => openPostgresDatabase(TEST_DATABASE_URL!, { options: schema.options }),
        tearDown: schema.drop,
      }
    },
  },
  {
    name: 'embedded PGlite',
    skip: false,
    full: false,
    async setUp() {
      const dir = await tempDir('logon-cli-users-')
      const dataDir = join(dir.path, 'data')
      return {
        env: { DATA_DIR: dataDir },
        open: () => openPGliteDatabase(dataDir),
        tearDown: dir.remove,
      }
    },
  },
]

/** The app on the database, for as long as `use` runs (the embedded one is closed after). */
async function withApp<T>(
  open: () => Promise<Database>,
  use: (app: FastifyInstance) => Promise<T>,
) {
  const db = await open()
  try {
    await migrate(db)
    const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_ORIGIN })
    const app = await buildApp({ config, db, secret: TEST_SECRET, cache: false })
    try {
      return await use(app)
    } finally {
      await app.close()
    }
  } finally {
    await db.close()
  }
}

interface Listed {
  accounts: { username: string; sessions: number; disabledAt: string | null }[]
  next: string | null
}

for (const engine of engines) {
  describe(`logon users (${engine.name})`, { skip: engine.skip, timeout: 120_000 }, () => {
    let setUp: Awaited<ReturnType<Engine['setUp']>>
    let env: Record<string, string>
    let aliceCookies: Map<string, string>
    before(async () => {
      setUp = await engine.setUp()
      env = { ...setUp.env, PUBLIC_ORIGIN, LOG_LEVEL: 'silent' }
      aliceCookies = await withApp(setUp.open, async (app) => {
        for (const name of ['Ops_Bob', 'Zed_Zero']) {
          assert.equal((await new TestClient(app).register(name, PASSWORD)).statusCode, 303)
        }
        const alice = new TestClient(app)
        assert.equal((await alice.register('Ops_Alice', PASSWORD)).statusCode, 303)
        return alice.jar
      })
    })
    after(() => setUp?.tearDown())

    test('list: pages in name order, a filter, and --json with the next page', async () => {
      const first = json<Listed>(await logon(['users', 'list', '--json', '--limit', '2'], env))
      assert.deepEqual(
        first.accounts.map((a) => a.username),
        ['Ops_Alice', 'Ops_Bob'],
      )
      assert.equal(first.next, 'ops_bob')
      assert.equal(first.accounts[0]!.sessions, 1)
      if (!engine.full) return
      const rest = await logon(['users', 'list', '--after', first.next!], env)
      assert.equal(rest.code, 0)
      assert.match(rest.stdout, /^NAME +CREATED/)
      assert.match(rest.stdout, /Zed_Zero/)
      assert.doesNotMatch(rest.stdout, /Ops_/)
      const filtered = json<Listed>(
        await logon(['users', 'list', '--json', '--filter', 'OPS_A'], env),
      )
      assert.deepEqual(
        filtered.accounts.map((a) => a.username),
        ['Ops_Alice'],
      )
      assert.ok(!rest.stdout.includes('$argon2'), 'no hash in any listing')
    })

    test('disable: exit 0, --json, the session is refused at once; show tells it', async () => {
      const disabled = json<{ changed: boolean; sessionsEnded: number }>(
        await logon(['users', 'disable', 'ops_alice', '--json'], env),
      )
      assert.deepEqual(disabled, { ...disabled, changed: true, sessionsEnded: 1 })
      await withApp(setUp.open, async (app) => {
        const alice = new TestClient(app)
        for (const [name, value] of aliceCookies) alice.jar.set(name, value)
        assert.equal(signedInAs((await alice.get('/')).body), null, 'signed out')
        assert.equal((await new TestClient(app).login('Ops_Alice', PASSWORD)).statusCode, 403)
      })
      if (!engine.full) return
      const shown = await logon(['users', 'show', 'OPS_ALICE'], env)
      assert.equal(shown.code, 0, shown.stderr)
      assert.match(shown.stdout, /disabled +since \d{4}-/)
      assert.match(shown.stdout, /account_disabled/)
      assert.match(shown.stdout, /sign_in_refused/)
    })

    test('reset: a link on PUBLIC_ORIGIN that sets a password the operator never saw', async () => {
      const reset = json<{ link: string; expiresAt: string }>(
        await logon(['users', 'reset', 'Ops_Bob', '--json'], env),
      )
      assert.ok(reset.link.startsWith(`${PUBLIC_ORIGIN}/password-reset/`), reset.link)
      const hour = Date.parse(reset.expiresAt) - Date.now()
      assert.ok(hour > 3_500_000 && hour <= 3_600_000, `valid one hour: ${hour} ms`)
      await withApp(setUp.open, async (app) => {
        const browser = new TestClient(app)
        assert.equal((await browser.get(new URL(reset.link).pathname)).statusCode, 303)
        const set = await browser.submit('/password-reset', '/password-reset', {
          new_password: 'chosen by Bob alone 42',
        })
        assert.equal(set.statusCode, 303)
        const signIn = await new TestClient(app).login('Ops_Bob', 'chosen by Bob alone 42')
        assert.equal(signIn.statusCode, 303)
      })
    })

    test(
      'end-sessions: every instance refuses the sessions within a second',
      { skip: !engine.full },
      async (context) => {
        // Two instances with their memory of sessions on, as servers run (src/cache/).
        const dbs = [await setUp.open(), await setUp.open()]
        const config = loadConfig({ LOG_LEVEL: 'silent', PUBLIC_ORIGIN })
        const apps = await Promise.all(
          dbs.map(async (db) => {
            const app = await buildApp({ config, db, secret: TEST_SECRET })
            await app.ready()
            return app
          }),
        )
        try {
          const zed = new TestClient(apps[0]!)
          assert.equal((await zed.login('Zed_Zero', PASSWORD)).statusCode, 303)
          const on = (app: FastifyInstance) => {
            const client = new TestClient(app)
            for (const [name, value] of zed.jar) client.jar.set(name, value)
            return client
          }
          const signedIn = async (app: FastifyInstance) =>
            signedInAs((await on(app).get('/')).body) !== null
          for (const app of apps) assert.equal(await signedIn(app), true, 'kept in memory')
          const ended = json<{ sessionsEnded: number }>(
            await logon(['users', 'end-sessions', 'zed_zero', '--json'], env),
          )
          assert.equal(ended.sessionsEnded, 2, 'the session of its registration, and this one')
          const exited = performance.now()
          const refusedAfter: number[] = []
          for (const app of apps) {
            while (await signedIn(app)) {
              assert.ok(performance.now() - exited < 1_000, 'refused within a second')
              await new Promise((resolve) => setTimeout(resolve, 10))
            }
            refusedAfter.push(Math.round(performance.now() - exited))
          }
          context.diagnostic(
            `refused by both instances ${refusedAfter.join(' and ')} ms after the command`,
          )
        } finally {
          for (const app of apps) await app.close()
          for (const db of dbs) await db.close()
        }
      },
    )

    test('exit codes: 3 for no such account, 2 for a wrong command line; one line each', async () => {
      const cases: [string[], number, RegExp][] = [
        [
          ['users', 'show', 'Nobody_At_All'],
          3,
          /^logon users show: no account named "Nobody_At_All"$/,
        ],
        [['users', 'reset', 'Nobody_At_All'], 3, /^logon users reset: no account named/],
        [['users', 'disable'], 2, /^logon users disable: missing NAME \(see --help\)$/],
        [['users', 'list', '--limit', '0'], 2, /--limit must be a whole number from 1/],
        [['users', 'show', 'a', 'b'], 2, /unexpected argument: b/],
        [['users', 'frobnicate'], 2, /^logon users: unknown command: frobnicate/],
        [['frobnicate'], 2, /^logon: unknown command: frobnicate/],
      ]
      for (const [args, code, line] of engine.full ? cases : cases.slice(0, 1)) {
        const run = await logon(args, env)
        assert.equal(run.code, code, `${args.join(' ')}: ${run.stderr}`)
        assert.match(run.stderr.trim(), line)
        assert.equal(run.stderr.trim().split('\n').length, 1)
        assert.equal(run.stdout, '')
      }
    })
  })
}

describe('logon --help', () => {
  test('names every command, and each command has its own', async () => {
    const help = await logon(['--help'], {})
    assert.equal(help.code, 0)
    for (const name of ['start', 'migrate', 'seed', 'import-legacy', 'users']) {
      assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'))
    }
    const users = await logon(['users', '--help'], {})
    for (const name of ['list', 'show', 'disable', 'enable', 'end-sessions', 'reset']) {
      assert.match(users.stdout, new RegExp(`^  users ${name}\\b`, 'm'))
    }
    const reset = await logon(['users', 'reset', '--help'], {})
    assert.equal(reset.code, 0)
    assert.match(reset.stdout, /--clear-second-factor/)
  })

  test("without the server's database, users commands refuse and make none", async () => {
    const dir = await tempDir('logon-cli-nodb-')
    try {
      const run = await logon(['users', 'disable', 'alice'], { DATA_DIR: join(dir.path, 'data') })
      assert.equal(run.code, 1)
      assert.match(
        run.stderr.trim(),
        /^logon users disable: DATA_DIR: .* holds no embedded database/,
      )
      await assert.rejects(access(join(dir.path, 'data', 'PG_VERSION')), 'no database was made')
    } finally {
      await dir.remove()
    }
  })

  test('logon start serves, and SIGTERM stops it with exit 0', async () => {
    const dir = await tempDir('logon-cli-start-')
    const port = await freePort()
    const server = spawn(process.execPath, [join(PROJECT_DIR, 'bin', 'logon.js'), 'start'], {
      cwd: PROJECT_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        PORT: String(port),
        DATA_DIR: join(dir.path, 'data'),
        LOG_LEVEL: 'warn',
      },
      stdio: 'ignore',
    })
    const exited = new Promise<number | null>((resolve) => server.once('close', resolve))
    try {
      let healthy = false
      for (let tries = 0; tries < 300 && !healthy && server.exitCode === null; tries++) {
        healthy = await httpRequest(`http://127.0.0.1:${port}`, {
          path: '/healthz',
          timeoutMs: 1_000,
        })
          .then((response) => response.status === 200)
          .catch(() => false)
        if (!healthy) await new Promise((resolve) => setTimeout(resolve, 100))
      }
      assert.ok(healthy, 'GET /healthz answered 200')
      server.kill('SIGTERM')
      assert.equal(await exited, 0)
    } finally {
      server.kill('SIGKILL')
      await dir.remove()
    }
  })
})
