import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { httpRequest } from './http-request.js'

// The real server as a child process (`node --import tsx src/main.ts`), for the
// tests of what only a process shows: start-up validation, signals, crashes.

export const PROJECT_DIR = fileURLToPath(new URL('../../', import.meta.url))

/** Every variable the app reads (docs/contract.md and src/config.ts): a child gets only those it is given. */
const APP_VARIABLES = [
  'NODE_ENV',
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATABASE_LISTEN_URL',
  'DATA_DIR',
  'SESSION_IDLE_TIMEOUT',
  'SESSION_ABSOLUTE_TIMEOUT',
  'SESSION_REMEMBER_TIMEOUT',
  'COOKIE_SECURE',
  'TRUST_PROXY',
  'SECRET_KEY',
  'PASSWORD_MIN_LENGTH',
  'PASSWORD_HASH_MEMORY_KIB',
  'PASSWORD_HASH_ITERATIONS',
  'PASSWORD_HASH_PARALLELISM',
  'LOG_LEVEL',
  'REQUESTS_PER_ADDRESS_PER_MINUTE',
  'METRICS_PORT',
  'WEB_CONCURRENCY',
]

/** A port nobody listens on right now: bind port 0 on 127.0.0.1, read it, release it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

/** A fresh temporary folder, removed by the returned function. */
export async function tempDir(prefix: string): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return { path, remove: () => rm(path, { recursive: true, force: true }) }
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

export interface ChildServer {
  readonly proc: ChildProcess
  readonly port: number
  readonly baseUrl: string
  /** Resolves when the process has exited. */
  readonly exited: Promise<Exit>
  stdout(): string
  stderr(): string
  /** Resolves with the first stdout line matching `pattern`, or rejects after `timeoutMs`. */
  waitForStdout(pattern: RegExp, timeoutMs: number): Promise<string>
  /** SIGKILL when still running, and wait for the exit. Safe to call twice. */
  kill(): Promise<Exit>
}

/** Starts `node --import tsx src/main.ts` with only `env` of the app's variables; does not wait. */
export function spawnServer(env: Record<string, string>): ChildServer {
  const childEnv: Record<string, string | undefined> = { ...process.env }
  for (const name of APP_VARIABLES) delete childEnv[name]
  // Set by `node --test` for its own children; the server is not a test file.
  delete childEnv.NODE_TEST_CONTEXT
  delete childEnv.TEST_DATABASE_URL
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: PROJECT_DIR,
    env: { ...childEnv, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  const lineWaiters = new Set<() => void>()
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk
    for (const wake of lineWaiters) wake()
  })
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk
  })
  // 'close', not 'exit': 'exit' can come before the pipes are read to their end, and a
  // check of stderr right after it then sees nothing (a start that failed looked silent).
  const exited = new Promise<Exit>((resolve) => {
    proc.once('close', (code, signal) => {
      for (const wake of lineWaiters) wake()
      resolve({ code, signal })
    })
  })
  const port = Number(env.PORT)
  return {
    proc,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    exited,
    stdout: () => out,
    stderr: () => err,
    waitForStdout(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const line = out.split('\n').find((l) => pattern.test(l))
          if (line !== undefined) finish(() => resolve(line))
          else if (proc.exitCode !== null || proc.signalCode !== null)
            finish(() => reject(new Error(`exited before printing ${pattern}`)))
        }
        const timer = setTimeout(
          () => finish(() => reject(new Error(`no ${pattern} on stdout in ${timeoutMs} ms`))),
          timeoutMs,
        )
        const finish = (settle: () => void) => {
          clearTimeout(timer)
          lineWaiters.delete(check)
          settle()
        }
        lineWaiters.add(check)
        check()
      })
    },
    async kill() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL')
      return exited
    },
  }
}

/**
 * Starts the server on a free port (or `port`: an instance started anew where it ran)
 * and waits until GET /healthz answers 200. Fails, with the child's output, when it
 * exits first or is not up within `timeoutMs`.
 */
export async function startServer(
  env: Record<string, string>,
  { timeoutMs = 30_000, port: given }: { timeoutMs?: number; port?: number } = {},
): Promise<ChildServer> {
  const port = given ?? (await freePort())
  // As startTestApp: bursts from 127.0.0.1 are what these tests send, not floods.
  const server = spawnServer({
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    REQUESTS_PER_ADDRESS_PER_MINUTE: '1000000',
    ...env,
    PORT: String(port),
  })
  const deadline = Date.now() + timeoutMs
  let exited: Exit | undefined
  void server.exited.then((exit) => (exited = exit))
  while (Date.now() < deadline && !exited) {
    const healthy = await httpRequest(server.baseUrl, { path: '/healthz', timeoutMs: 1_000 }).then(
      (response) => response.status === 200,
      () => false,
    )
    if (healthy) return server
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  await server.kill()
  throw new Error(
    `the server did not become healthy (${exited ? `exited ${JSON.stringify(exited)}` : 'timed out'})\n` +
      `stdout:\n${server.stdout()}\nstderr:\n${server.stderr()}`,
  )
}

/** Resolves within `timeoutMs` with the exit, or rejects (the process keeps running). */
export function exitWithin(server: ChildServer, timeoutMs: number): Promise<Exit> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the process did not exit within ${timeoutMs} ms`)),
      timeoutMs,
    )
  })
  return Promise.race([server.exited, timeout]).finally(() => clearTimeout(timer))
}

/** True when a TCP connection to 127.0.0.1:port is refused. */
export function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port })
    socket.setTimeout(2_000, () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('connect', () => {
      socket.destroy()
      resolve(false)
    })
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'))
  })
}
