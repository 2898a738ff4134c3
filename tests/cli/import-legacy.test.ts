import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import { after, before, describe, test } from 'node:test'
import type { AccountPolicy } from '../../src/auth/accounts.js'
import { authenticate } from '../helpers/hash-lease.js'
import type { PasswordHashParams } from '../../src/config.js'
import { lockDataDir } from '../../src/db/data-dir-lock.js'
import type { Database } from '../../src/db/database.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { PROJECT_DIR, tempDir } from '../helpers/child-server.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import {
  createLoginTable,
  expectedSkips,
  IMPORTED,
  LEGACY_ROWS,
  parseSkippedLines,
  parseSummary,
  PASSWORDS,
  sortPairs,
} from '../helpers/legacy-logins.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'

// `npm run import-legacy -- --from postgres://…` (issue 3) as the operator runs it:
// the command in a child process, reading a real `login` table built here on the
// PostgreSQL server, writing to either engine as the server would open it.

const DEFAULT_HASH: PasswordHashParams = { memoryCost: 19456, timeCost: 2, parallelism: 1 }
const FAST_HASH: PasswordHashParams = { memoryCost: 8192, timeCost: 1, parallelism: 1 }
const FAST_HASH_ENV = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' }

interface Run {
  code: number | null
  stdout: string
  stderr: string
}

/** `node --import tsx src/cli/logon.ts import-legacy ARGS` with only `env` (and PATH/HOME) set. */
function runImport(args: string[], env: Record<string, string>): Promise<Run> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/logon.ts', 'import-legacy', ...args],
    {
      cwd: PROJECT_DIR,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  let stdout = ''
  let stderr = ''
  proc.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  proc.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
  return new Promise((resolve) => {
    proc.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}

/** Nothing secret in what the command printed: no password, no hash. */
function assertNoSecrets(run: Run) {
  const output = run.stdout + run.stderr
  for (const password of PASSWORDS) {
    assert.ok(!output.includes(password), `a password was printed:\n${output}`)
  }
  assert.doesNotMatch(output, /\$argon2/, 'no hash printed')
}

/** A first run imports what it should and reports the rest, name by name. */
function assertFirstRun(run: Run) {
  assert.equal(run.code, 0, `exit 0\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`)
  assert.deepEqual(parseSummary(run.stdout), {
    read: LEGACY_ROWS.length,
    imported: IMPORTED.length,
    weak: 2,
  })
  assert.deepEqual(sortPairs(parseSkippedLines(run.stdout)), sortPairs(expectedSkips()))
  assertNoSecrets(run)
}

/** A second run imports nothing; every name it could import already exists. */
function assertSecondRun(run: Run) {
  assert.equal(run.code, 0, `exit 0\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`)
  assert.deepEqual(parseSummary(run.stdout), { read: LEGACY_ROWS.length, imported: 0, weak: 0 })
  const existing: Array<[string | null, string]> = IMPORTED.map((r) => [
    r.username,
    'imported_earlier',
  ])
  assert.deepEqual(
    sortPairs(parseSkippedLines(run.stdout)),
    sortPairs([...expectedSkips(), ...existing]),
  )
  assertNoSecrets(run)
}

/** Each imported account signs in with its old password; its hash is argon2id with `params`. */
async function assertAccounts(db: Database, params: PasswordHashParams) {
  const policy: AccountPolicy = { passwordMinLength: 8, passwordHash: params }
  for (const row of IMPORTED) {
    const user = await authenticate(
      db,
      { username: row.username!, password: row.password! },
      { policy },
    )
    assert.equal(user?.username, row.username, `${row.username} signs in`)
  }
  const hashes = await db.query<{ password_hash: string }>('SELECT password_hash FROM users')
  assert.equal(hashes.length, IMPORTED.length)
  const prefix = `$argon2id$v=19$m=${params.memoryCost},t=${params.timeCost},p=${params.parallelism}$`
  for (const { password_hash } of hashes) assert.ok(password_hash.startsWith(prefix), password_hash)
}

describe(
  'npm run import-legacy',
  {
    skip: TEST_DATABASE_URL ? false : 'needs a real PostgreSQL server: set TEST_DATABASE_URL',
    concurrency: 4,
    timeout: 180_000,
  },
  () => {
    const serverUrl = TEST_DATABASE_URL!
    let source: TestSchema & { url: string }
    let dir: Awaited<ReturnType<typeof tempDir>>
    before(async () => {
      source = await createLoginTable(serverUrl, LEGACY_ROWS)
      dir = await tempDir('logon-import-')
    })
    after(async () => {
      await source?.drop()
      await dir?.remove()
    })

    test('into the embedded database (DATA_DIR) with the default hash parameters, twice', async () => {
      const env = { DATA_DIR: `${dir.path}/embedded` }
      assertFirstRun(await runImport(['--from', source.url], env))
      const db = await openPGliteDatabase(env.DATA_DIR)
      try {
        await assertAccounts(db, DEFAULT_HASH)
      } finally {
        await db.close()
      }
      assertSecondRun(await runImport(['--from', source.url], env))
    })

    test('into PostgreSQL (DATABASE_URL): a dry run writes nothing, then twice for real', async () => {
      const target = await createTestSchema(serverUrl, 'logon_test_')
      const db = openPostgresDatabase(serverUrl, { options: target.options })
      try {
        const env = { DATABASE_URL: target.urlFor(serverUrl), ...FAST_HASH_ENV }
        const dryRun = await runImport(['--from', source.url, '--dry-run'], env)
        assert.equal(dryRun.code, 0, dryRun.stderr)
        assert.match(dryRun.stdout, /Dry run, nothing written\. Summary: read 20, would import 6,/)
        assertNoSecrets(dryRun)
        const [count] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')
        assert.equal(count?.n, 0)

        assertFirstRun(await runImport(['--from', source.url], env))
        await assertAccounts(db, FAST_HASH)
        assertSecondRun(await runImport(['--from', source.url], env))
      } finally {
        await db.close()
        await target.drop()
      }
    })

    test('a DATA_DIR held by another Logon process is refused, and nothing is imported', async () => {
      const dataDir = `${dir.path}/locked`
      await mkdir(dataDir, { recursive: true })
      // This test process plays the running server: a live pid holds the folder.
      const lock = await lockDataDir(dataDir)
      try {
        const run = await runImport(['--from', source.url], { DATA_DIR: dataDir, ...FAST_HASH_ENV })
        assert.notEqual(run.code, 0)
        assert.match(
          run.stderr,
          /^logon import-legacy: DATA_DIR: .* is in use by another Logon process/,
        )
        assert.doesNotMatch(run.stdout, /Summary/)
      } finally {
        await lock.release()
      }
    })

    const noTable = `${serverUrl}?options=${encodeURIComponent('-c search_path=no_such_schema')}`
    const FAILURES: Array<[title: string, args: string[], line: RegExp]> = [
      ['no --from', [], /^logon import-legacy: missing --from/],
      [
        'a --from that is not a postgres:// URL',
        ['--from', 'mysql://x'],
        /--from must be a postgres:\/\/ URL/,
      ],
      [
        'an unknown option',
        ['--from', 'postgres://127.0.0.1:1/unused', '--table', 'x'],
        /Unknown option '--table'/,
      ],
      ['no login table', ['--from', noTable], /^logon import-legacy: --from: no table named login/],
      [
        'a server that does not answer (the URL password is not echoed)',
        ['--from', 'postgres://legacy:hunter2-secret@127.0.0.1:1/legacy'],
        /^logon import-legacy: --from: cannot connect to the database at 127\.0\.0\.1:1: /,
      ],
    ]
    for (const [title, args, line] of FAILURES) {
      test(`${title}: a non-zero exit and one clear line`, async () => {
        const run = await runImport(args, { DATA_DIR: `${dir.path}/failures`, ...FAST_HASH_ENV })
        assert.notEqual(run.code, 0)
        assert.equal(run.stdout, '')
        const lines = run.stderr.trimEnd().split('\n')
        assert.equal(lines.length, 1, `one line:\n${run.stderr}`)
        assert.match(lines[0]!, line)
        assert.ok(!run.stderr.includes('hunter2-secret'))
      })
    }
  },
)
