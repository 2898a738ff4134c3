import assert from 'node:assert/strict'
import { execFile, spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { usernameSkeleton } from '../../src/auth/username-skeleton.js'
import { authenticate } from '../helpers/hash-lease.js'
import { loadConfig } from '../../src/config.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'
import { PROJECT_DIR } from '../helpers/child-server.js'

const run = promisify(execFile)
const SEED = ['--import', 'tsx', 'src/cli/logon.ts', 'seed']
const FAST_HASH_ENV = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' }

describe('npm run seed', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logon-seed-'))
  })
  after(() => rm(dir, { recursive: true, force: true }))

  test('adds members that sign in with the shared password, and sessions, twice over', async () => {
    const env = {
      ...process.env,
      DATA_DIR: join(dir, 'data'),
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
    }
    for (let round = 0; round < 2; round++) {
      const { stdout } = await run(
        process.execPath,
        [...SEED, '--members', '150', '--sessions', '40'],
        { env },
      )
      assert.match(stdout, /Seeded 150 members/)
    }
    const db = await openPGliteDatabase(join(dir, 'data'))
    try {
      const [counts] = await db.query<{ users: number; sessions: number; keys: number }>(
        `SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM sessions) AS sessions,
                (SELECT count(DISTINCT username_key)::int FROM users) AS keys`,
      )
      assert.deepEqual(
        counts,
        { users: 300, sessions: 80, keys: 300 },
        'numbering continues on a second run',
      )
      const [sessions] = await db.query<{ ids: number; shaped: boolean; hashes: boolean }>(
        `SELECT count(DISTINCT id)::int AS ids, bool_and(id ~ '^[A-Za-z0-9_-]{20}$') AS shaped,
                bool_and(length(secret_hash) = 32) AS hashes FROM sessions`,
      )
      assert.deepEqual(
        sessions,
        { ids: 80, shaped: true, hashes: true },
        'session ids of the token form (src/auth/tokens.ts), sha256 hashes',
      )
      const policy = {
        passwordMinLength: 8,
        passwordHash: loadConfig({
          PASSWORD_HASH_MEMORY_KIB: '8192',
          PASSWORD_HASH_ITERATIONS: '1',
        }).passwordHash,
      }
      const user = await authenticate(
        db,
        { username: 'member0000300', password: 'member-password-1234' },
        { policy },
      )
      assert.equal(user?.username, 'member0000300')
      const skeletons = await db.query<{ username_key: string; username_skeleton: string }>(
        'SELECT username_key, username_skeleton FROM users',
      )
      for (const row of skeletons) {
        assert.equal(row.username_skeleton, usernameSkeleton(row.username_key), row.username_key)
      }
    } finally {
      await db.close()
    }
  })

  test('a bad option or an unreachable database gives one line and a non-zero exit', async () => {
    const cases: Array<[string[], Record<string, string>, RegExp]> = [
      [['--members', 'many'], {}, /members/],
      [
        ['--members', '1'],
        { DATABASE_URL: 'postgres://127.0.0.1:1/x' },
        /^logon seed: DATABASE_URL: .*not answering/,
      ],
    ]
    for (const [args, extra, pattern] of cases) {
      const failed = await run(process.execPath, [...SEED, ...args], {
        env: { ...process.env, DATA_DIR: join(dir, 'other'), ...extra },
      }).then(
        () => assert.fail('should have failed'),
        (error: { code: number; stderr: string }) => error,
      )
      assert.notEqual(failed.code, 0)
      assert.match(failed.stderr.trim(), pattern)
      assert.equal(failed.stderr.trim().split('\n').length, 1)
    }
  })

  test('Ctrl-C stops between two chunks: whole chunks are kept, consistent, and the exit is 130', async () => {
    const dataDir = join(dir, 'interrupted')
    const proc = spawn(
      process.execPath,
      [...SEED, '--members', '200000', '--sessions', '1000', '--chunk-size', '5000'],
      {
        cwd: PROJECT_DIR,
        env: { ...process.env, DATA_DIR: dataDir, ...FAST_HASH_ENV },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    )
    let stderr = ''
    let interrupted = false
    proc.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk
      // After the first chunk's progress line: somewhere in the middle of the members.
      if (!interrupted && /logon seed: 5,000 of/.test(stderr)) {
        interrupted = true
        proc.kill('SIGINT')
      }
    })
    proc.stdout.resume()
    const timer = setTimeout(() => proc.kill('SIGKILL'), 60_000)
    const code = await new Promise<number | null>((resolve) => proc.once('close', resolve))
    clearTimeout(timer)
    assert.equal(code, 130, stderr)
    const kept = /stopped by SIGINT: kept the (\d+) members and 0 sessions/.exec(stderr)
    assert.ok(kept, stderr)
    const db = await openPGliteDatabase(dataDir)
    try {
      const [counts] = await db.query<{ users: number; skeletons: number; sessions: number }>(
        `SELECT (SELECT count(*)::int FROM users) AS users,
                (SELECT count(username_skeleton)::int FROM users) AS skeletons,
                (SELECT count(*)::int FROM sessions) AS sessions`,
      )
      assert.equal(counts!.users, Number(kept[1]), 'the line says what was kept')
      assert.ok(counts!.users > 0 && counts!.users < 200_000, `stopped midway: ${counts!.users}`)
      assert.equal(counts!.users % 5000, 0, 'whole chunks only')
      assert.equal(counts!.skeletons, counts!.users, 'every member has its skeleton')
      assert.equal(counts!.sessions, 0, 'stopped before the sessions')
    } finally {
      await db.close()
    }
  })
})
