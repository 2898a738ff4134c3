import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import {
  exitWithin,
  freePort,
  spawnServer,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'
import { HttpBrowser } from '../helpers/http-request.js'

// Regression: two processes started on one DATA_DIR both answered 303 to writes,
// and one side's writes were lost: PGlite is single-process. The second start now
// refuses with a line naming DATA_DIR; a lock left by a killed process is taken over.

const PASSWORD = 'correct horse battery staple'

/** The pid of a process that has exited: what a lock left by SIGKILL holds. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('one DATA_DIR, two processes', { timeout: 60_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  const servers: ChildServer[] = []
  before(async () => {
    dir = await tempDir('logon-data-dir-lock-')
  })
  after(async () => {
    for (const server of servers) await server.kill()
    await dir?.remove()
  })

  test('a second process on the same DATA_DIR exits non-zero naming DATA_DIR; the first still serves writes', async () => {
    const dataDir = join(dir.path, 'shared')
    const first = await startServer({ DATA_DIR: dataDir })
    servers.push(first)

    const second = spawnServer({
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'warn',
    })
    servers.push(second)
    const exit = await exitWithin(second, 10_000)
    assert.equal(exit.signal, null)
    assert.notEqual(exit.code, 0, 'a non-zero exit')
    const line = second
      .stderr()
      .split('\n')
      .find((l) => /\bDATA_DIR\b/.test(l))
    assert.ok(line, `stderr names DATA_DIR:\n${second.stderr()}`)
    assert.ok(line.includes(dataDir), line)
    assert.ok(line.includes(`pid ${first.proc.pid}`), line)
    assert.doesNotMatch(second.stderr(), /^\s+at /m, 'no stack trace')

    const browser = new HttpBrowser(first.baseUrl)
    const registered = await browser.submit('/register', '/register', {
      username: 'Locked_Lena',
      password: PASSWORD,
    })
    assert.equal(registered.status, 303, registered.body)
    const signedIn = await new HttpBrowser(first.baseUrl).submit('/login', '/login', {
      username: 'Locked_Lena',
      password: PASSWORD,
    })
    assert.equal(signedIn.status, 303, 'the first process reads back its own write')

    first.proc.kill('SIGTERM')
    assert.deepEqual(await exitWithin(first, 10_000), { code: 0, signal: null }, first.stderr())
    assert.equal(existsSync(join(dataDir, 'logon.pid')), false, 'the lock was released')
  })

  test('a lock left by a process that is gone is taken over', async () => {
    const dataDir = join(dir.path, 'stale')
    const lockFile = join(dataDir, 'logon.pid')
    const first = await startServer({ DATA_DIR: dataDir })
    servers.push(first)
    first.proc.kill('SIGKILL')
    await first.exited
    // As if the killed process had had the pid of one that is certainly gone.
    await writeFile(lockFile, `${await deadPid()}\n`)

    const second = await startServer({ DATA_DIR: dataDir })
    servers.push(second)
    assert.equal((await readFile(lockFile, 'utf8')).trim(), String(second.proc.pid))
  })
})
