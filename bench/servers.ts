import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { children, cleanEnv } from './children.js'
import { sumOf, treeTicks } from './process-sampling.js'
import type { Schema } from './databases.js'
import { paths } from './scripts.js'
import { LOGON_NODE_ARGS, ROOT, threadPool } from './settings.js'

// The servers under test, each started fresh in a process of its own on a free port,
// and the environment Logon is given.

// The two login floors (bench/login-floors.ts) are references for scenario 2.
export type Side = 'logon' | 'baseline' | 'fastify-floor' | 'token-floor'

export interface Server {
  child: ChildProcess
  pid: number
  base: string
}

const appEnv: Record<string, string> = { RATE_LIMITS: 'off', LOG_LEVEL: 'warn', ...threadPool }
export const serverEnv = (schema: Schema): Record<string, string> => ({
  DATABASE_URL: schema.url,
  ...appEnv,
})
// No DATABASE_URL (cleanEnv drops the bench's own): Logon opens PGlite in DATA_DIR.
export const embeddedEnv = (dataDir: string): Record<string, string> => ({
  DATA_DIR: dataDir,
  ...appEnv,
})

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolve(port))
    })
  })
}

export async function waitFor200(url: string, deadlineMs: number): Promise<void> {
  const deadline = performance.now() + deadlineMs
  for (;;) {
    const ok = await fetch(url).then(
      (response) => response.status === 200,
      () => false,
    )
    if (ok) return
    if (performance.now() > deadline) throw new Error(`${url} did not answer 200 in time`)
    await sleep(5)
  }
}

export async function startServer(side: Side, env: Record<string, string>): Promise<Server> {
  const port = await freePort()
  const args = {
    logon: [...LOGON_NODE_ARGS, join(ROOT, 'dist', 'main.js')],
    baseline: [paths.baseline],
    // Logon's node flags for the floors too: they stand for Logon's stack without Logon.
    'fastify-floor': [...LOGON_NODE_ARGS, paths.loginFloors],
    'token-floor': [...LOGON_NODE_ARGS, paths.loginFloors],
  }[side]
  const floor = { 'fastify-floor': 'fastify', 'token-floor': 'token' }[side as string]
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: cleanEnv({
      ...env,
      ...(floor && { FLOOR: floor }),
      PORT: String(port),
      HOST: '127.0.0.1',
    }),
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  children.add(child)
  const base = `http://127.0.0.1:${port}`
  await waitFor200(`${base}/healthz`, 30_000)
  await waitForWorkers(child.pid!, Number(env.WEB_CONCURRENCY ?? 1))
  return { child, pid: child.pid!, base }
}

/**
 * With WEB_CONCURRENCY=N, until N workers run (the first to listen answered /healthz)
 * and the start-up's CPU has settled: the load's connections, kept open for the whole
 * run, are spread over the workers listening when they are made.
 */
async function waitForWorkers(pid: number, workers: number): Promise<void> {
  if (workers <= 1) return
  const deadline = performance.now() + 30_000
  let before = -1
  for (;;) {
    const tree = treeTicks(pid)
    const ticks = sumOf(tree)
    const late = performance.now() > deadline
    if (tree.size > workers && (ticks === before || late)) return
    if (late) throw new Error(`${workers} workers did not start in time`)
    before = ticks
    await sleep(250)
  }
}
