import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  exitWithin,
  freePort,
  spawnServer,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'

// WEB_CONCURRENCY (docs/deploy.md): N workers on one PostgreSQL; a worker that dies is
// replaced; SIGTERM stops them all and the primary exits 0; the embedded database
// refuses N > 1 with a line naming the variable.

/** The process ids whose parent is `pid` (Linux /proc). */
function childrenOf(pid: number): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((name) => {
      try {
        // Field 4 of /proc/PID/stat is the parent; the name in field 2 may hold spaces.
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid
      } catch {
        return false
      }
    })
    .map(Number)
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not in ${ms} ms: ${what}`)
    await sleep(50)
  }
}

describe('WEB_CONCURRENCY on the embedded database', () => {
  test('more than one worker is refused, naming WEB_CONCURRENCY and DATABASE_URL', async () => {
    const dir = await tempDir('logon-workers-')
    const server = spawnServer({
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      DATA_DIR: join(dir.path, 'data'),
      WEB_CONCURRENCY: '2',
    })
    try {
      const exit = await exitWithin(server, 30_000)
      assert.notEqual(exit.code, 0)
      assert.match(server.stderr(), /WEB_CONCURRENCY: more than 1 worker needs DATABASE_URL/)
    } finally {
      await server.kill()
      await dir.remove()
    }
  })
})

describe(
  'WEB_CONCURRENCY=2 on PostgreSQL',
  { skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set' },
  () => {
    let schema: TestSchema
    let server: ChildServer
    before(async () => {
      schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_workers_')
      server = await startServer({
        DATABASE_URL: schema.urlFor(TEST_DATABASE_URL!),
        WEB_CONCURRENCY: '2',
      })
    })
    after(async () => {
      await server?.kill()
      for (const pid of server ? childrenOf(server.proc.pid!) : []) process.kill(pid, 'SIGKILL')
      await schema?.drop()
    })

    test('two workers serve; one killed is replaced; SIGTERM stops all and exits 0', async () => {
      const primary = server.proc.pid!
      await waitFor(() => childrenOf(primary).length === 2, 15_000, 'two workers')
      const [first] = childrenOf(primary)
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => fetch(`${server.baseUrl}/login`).then((r) => r.status)),
      )
      assert.ok(answers.every((status) => status === 200))

      process.kill(first!, 'SIGKILL')
      await waitFor(
        () => childrenOf(primary).length === 2 && !childrenOf(primary).includes(first!),
        15_000,
        'a new worker in place of the killed one',
      )
      // The new one is up when every request answers again.
      for (let i = 0; i < 20; i++) {
        const status = await fetch(`${server.baseUrl}/healthz`).then(
          (r) => r.status,
          () => 0,
        )
        if (status === 200 && i > 5) break
        await sleep(100)
      }
      assert.equal((await fetch(`${server.baseUrl}/login`)).status, 200)

      const workers = childrenOf(primary)
      server.proc.kill('SIGTERM')
      const exit = await exitWithin(server, 15_000)
      assert.equal(exit.code, 0)
      for (const pid of workers) {
        assert.throws(() => process.kill(pid, 0), 'the worker is gone too')
      }
    })
  },
)
