import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { after, test } from 'node:test'
import {
  connectionRefused,
  exitWithin,
  freePort,
  spawnServer,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'

// Regression: the signal handler was installed only once the database was open,
// migrated and the app built (a fresh embedded database takes seconds), so a SIGTERM
// during start-up ended the process by the signal (exit status 143), not with 0.

let dir: Awaited<ReturnType<typeof tempDir>> | undefined
const servers: ChildServer[] = []
after(async () => {
  for (const server of servers) await server.kill()
  await dir?.remove()
})

async function waitUntilExists(path: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!existsSync(path)) {
    if (Date.now() > deadline) assert.fail(`${path} did not appear within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

test(
  'SIGTERM while a fresh embedded database is being created: exit 0 within 10 s, and it starts again',
  { timeout: 60_000 },
  async (t) => {
    dir = await tempDir('logon-start-signal-')
    const dataDir = join(dir.path, 'data')
    const port = await freePort()
    const starting = spawnServer({ HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir })
    servers.push(starting)
    // Start-up creates DATA_DIR first, then the database in it, which takes seconds.
    await waitUntilExists(dataDir, 10_000)
    await new Promise((resolve) => setTimeout(resolve, 300))

    const signalledAt = Date.now()
    starting.proc.kill('SIGTERM')
    const exit = await exitWithin(starting, 10_000)
    t.diagnostic(`exited ${Date.now() - signalledAt} ms after SIGTERM`)
    assert.deepEqual(exit, { code: 0, signal: null }, starting.stderr())
    assert.doesNotMatch(starting.stdout(), /Server listening/, 'it stopped before listening')
    assert.equal(await connectionRefused(port), true, 'nothing listens on the port')
    assert.equal(existsSync(join(dataDir, 'logon.pid')), false, 'the data-dir lock was released')

    const restarted = await startServer({ DATA_DIR: dataDir })
    servers.push(restarted)
    const health = await fetch(`${restarted.baseUrl}/healthz`)
    assert.equal(health.status, 200, 'the interrupted start left a usable database')
  },
)
