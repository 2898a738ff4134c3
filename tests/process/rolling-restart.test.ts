import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import {
  exitWithin,
  freePort,
  PROJECT_DIR,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { nginxMainConfig } from '../helpers/nginx.js'
import { clientAddress, LoadClient, RequestFailed, Tally } from '../helpers/load-client.js'
import { createTestSchema, type TestSchema } from '../helpers/pg-schema.js'

// Issue 14: "a rolling restart of two instances behind a proxy loses no request".
// docs/deploy.md: run two or more instances behind the proxy and restart them one at a
// time. Debian's nginx balances two instances on one PostgreSQL; while people sign in,
// register and load pages through it, instance A is stopped (SIGTERM) and started anew
// on its port, then B. A stopping instance refuses new connections at once and answers
// every request it has read (src/http/graceful-close.ts); nginx, configured as
// docs/deploy.md says, sends a request whose connection was refused, or reset unread
// from the kernel's queue as the listener closed, to the other: no one sees a failure.

const NGINX = '/usr/sbin/nginx'
const PASSWORD = 'a long and uncommon passphrase'
const WORKERS = 6
const BETWEEN_RESTARTS_MS = 1_500
/** What each request answers; anything else (a 502 from nginx, a 503) is a lost request. */
const ORDINARY: Record<string, number> = {
  'GET /login': 200,
  'POST /login': 303,
  'GET /': 200,
  'GET /register': 200,
  'POST /register': 303,
}

function skipReason(): string | false {
  if (!TEST_DATABASE_URL) return 'TEST_DATABASE_URL is not set'
  if (existsSync(NGINX) || process.env.CI === 'true') return false // CI fails in before()
  return `nginx is not installed at ${NGINX}; apt-get install -y nginx`
}

/** docs/deploy.md's upstream block, with this test's instances, in a plain-http server. */
function nginxConfig(dir: string, port: number, [a, b]: number[]): string {
  const deploy = readFileSync(join(PROJECT_DIR, 'docs', 'deploy.md'), 'utf8')
  const block = [...deploy.matchAll(/```nginx\n([\s\S]*?)```/g)]
    .map((match) => match[1]!)
    .find((text) => text.includes('upstream logon'))
  assert.ok(block, 'docs/deploy.md has the upstream block')
  const adapted = block
    .replace('127.0.0.1:3000', `127.0.0.1:${a}`)
    .replace('127.0.0.1:3001', `127.0.0.1:${b}`)
  for (const used of [a, b]) assert.ok(adapted.includes(`127.0.0.1:${used} `), `port ${used}`)
  const at = adapted.search(/^location \/ /m)
  assert.ok(at > 0, 'the block has a location / for the server')
  const http = `${adapted.slice(0, at)}
  server {
    listen 127.0.0.1:${port};
${adapted.slice(at)}
  }`
  return nginxMainConfig(dir, http, { errorLogLevel: 'info', workerConnections: 512 })
}

describe('a rolling restart of two instances behind nginx', { skip: skipReason() }, () => {
  let schema: TestSchema | undefined
  let dir: Awaited<ReturnType<typeof tempDir>> | undefined
  let nginx: ChildProcess | undefined
  const servers: ChildServer[] = []
  let env: Record<string, string>
  let proxyUrl: string

  before(async () => {
    if (!existsSync(NGINX)) throw new Error(`CI=true but nginx is not installed at ${NGINX}`)
    schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_rolling_')
    env = {
      DATABASE_URL: schema.urlFor(TEST_DATABASE_URL!),
      // Two proxies: nginx, and before it the load, which names each worker's address in
      // X-Forwarded-For (as a front proxy would), so each has its share of the hashing.
      TRUST_PROXY: '2',
      SIGN_INS_PER_ADDRESS_PER_MINUTE: '1000',
      REGISTRATIONS_PER_MINUTE: '10000',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      PASSWORD_HASH_THREADS: '2',
    }
    servers.push(...(await Promise.all([startServer(env), startServer(env)])))
    dir = await tempDir('logon-rolling-')
    const port = await freePort()
    const config = join(dir.path, 'nginx.conf')
    await writeFile(
      config,
      nginxConfig(
        dir.path,
        port,
        servers.map((s) => s.port),
      ),
    )
    nginx = spawn(NGINX, ['-c', config, '-p', dir.path], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    nginx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    proxyUrl = `http://127.0.0.1:${port}`
    for (let i = 0; ; i++) {
      const up = await new LoadClient(proxyUrl).get('/healthz').catch(() => undefined)
      if (up?.status === 200) break
      if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`)
      await sleep(50)
    }
  })

  after(async () => {
    nginx?.kill('SIGQUIT')
    if (nginx && nginx.exitCode === null) await new Promise((done) => nginx!.once('exit', done))
    for (const server of servers) await server.kill()
    await dir?.remove()
    await schema?.drop()
  })

  test('A, then B, stopped with SIGTERM and started anew while 6 workers go on through nginx: not one request fails', async (t) => {
    // Each worker signs in to an account of its own, from an address of its own: people,
    // not a race of many sign-ins for one account.
    for (let w = 0; w < WORKERS; w++) {
      const made = await new LoadClient(proxyUrl, {
        headers: { 'x-forwarded-for': clientAddress(w) },
      }).submit('/register', '/register', { username: `rolling_${w}`, password: PASSWORD })
      assert.equal(made.status, 303)
    }

    const tally = new Tally()
    let stopping = false
    let registrations = 0
    const workers = Array.from({ length: WORKERS }, async (_, w) => {
      for (let round = 0; !stopping; round++) {
        const person = new LoadClient(proxyUrl, {
          tally,
          headers: { 'x-forwarded-for': clientAddress(w) },
        })
        try {
          if (round % 3 === 2) {
            await person.submit('/register', '/register', {
              username: `rolling_${w}_${round}`,
              password: PASSWORD,
            })
            registrations++
          } else {
            await person.submit('/login', '/login', {
              username: `rolling_${w}`,
              password: PASSWORD,
            })
          }
          await person.get('/')
        } catch (error) {
          if (!(error instanceof RequestFailed)) throw error // tallied
        }
      }
    })

    const restarts: string[] = []
    for (const [i, name] of ['A', 'B'].entries()) {
      await sleep(BETWEEN_RESTARTS_MS)
      const old = servers[i]!
      const signalledAt = Date.now()
      old.proc.kill('SIGTERM')
      const exit = await exitWithin(old, 10_000)
      assert.deepEqual(exit, { code: 0, signal: null }, old.stderr())
      const exitedAt = Date.now()
      const anew = await startServer(env, { port: old.port })
      servers[i] = anew
      for (;;) {
        const ready = await new LoadClient(anew.baseUrl).get('/readyz').catch(() => undefined)
        if (ready?.status === 200) break
        await sleep(50)
      }
      restarts.push(
        `${name} exited ${exitedAt - signalledAt} ms after SIGTERM, ready again ${Date.now() - exitedAt} ms later`,
      )
    }
    await sleep(BETWEEN_RESTARTS_MS)
    stopping = true
    await Promise.all(workers)

    const log = readFileSync(join(dir!.path, 'error.log'), 'utf8')
    const refusedUpstream =
      log.match(/connect\(\) failed \(111: Connection refused\)/g)?.length ?? 0
    const resetUpstream = log.match(/\(104: Connection reset by peer\)/g)?.length ?? 0
    const upstreamResets = log.split('\n').filter((line) => /\(104: /.test(line))
    if (upstreamResets.length > 0) t.diagnostic(upstreamResets.join('\n'))
    const lost = tally.outcomes.filter((o) => o.status !== ORDINARY[o.what])
    t.diagnostic(
      `${tally.outcomes.length} requests through nginx (${tally.summary()}), ${registrations} registrations among them; ` +
        `${restarts.join('; ')}; nginx met ${refusedUpstream} refused and ${resetUpstream} reset upstream connections ` +
        `and sent those requests on; max latency ${tally.maxMs()} ms`,
    )
    assert.deepEqual(
      lost.map((o) => `${o.what}: ${o.error ?? o.status}`),
      [],
      'no request failed',
    )
    assert.ok(refusedUpstream > 0, 'nginx met a stopped instance and sent the request on')
    assert.ok(tally.outcomes.length > 100, 'the load went on through both restarts')
  })
})
