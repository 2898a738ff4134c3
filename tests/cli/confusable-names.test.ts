import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { usernameKey } from '../../src/auth/usernames.js'
import { loadMigrations, migrate } from '../../src/db/migrate.js'
import { openPGliteDatabase } from '../../src/db/pglite.js'

// `npm run confusable-names` as an operator runs it, on an embedded database whose
// accounts were made before the look-alike rules.

const run = promisify(execFile)
const COMMAND = ['--import', 'tsx', 'src/cli/logon.ts', 'confusable-names']

describe('npm run confusable-names', () => {
  let dir: string
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'logon-confusable-'))
    const db = await openPGliteDatabase(join(dir, 'data'))
    try {
      await migrate(
        db,
        (await loadMigrations()).filter((m) => m.version < 9),
      )
      for (const name of ['alice', 'bob', '\u0430lice']) {
        await db.query(
          `INSERT INTO users (username, username_key, password_hash, created_at)
           VALUES ($1, $2, 'x', now())`,
          [name, usernameKey(name)],
        )
      }
    } finally {
      await db.close()
    }
  })
  after(() => rm(dir, { recursive: true, force: true }))

  test('lists the look-alike group and the mixed-script name, changes no account, exits 0', async () => {
    const { stdout } = await run(process.execPath, COMMAND, {
      env: { ...process.env, DATA_DIR: join(dir, 'data') },
    })
    assert.match(stdout, /^Looked at 3 accounts in the embedded database/m)
    assert.match(stdout, /^ {4}id 1 {2}"alice" .* holds the name$/m)
    assert.match(stdout, /^ {4}id 3 {2}"аlice" \("\\u0430lice"\) .* looks like id 1$/m)
    assert.match(stdout, /^ {2}id 3 {2}"аlice" .* username_mixed_scripts: /m)
    const db = await openPGliteDatabase(join(dir, 'data'))
    try {
      const [row] = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM users')
      assert.equal(row!.count, 3)
    } finally {
      await db.close()
    }
  })
})
