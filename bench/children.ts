import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ROOT } from './settings.js'

// The bench's child processes and scratch files. Everything started here is stopped
// on the way out (cleanUp), also after a failure or ^C.

export const children = new Set<ChildProcess>()
/** Run newest first by cleanUp: e.g. dropping a schema the bench created. */
export const cleanups: Array<() => Promise<void>> = []
/** A scratch folder for this run (load jobs, PGlite data folders), removed at the end. */
export const tmp = mkdtempSync(join(tmpdir(), 'logon-bench-'))
cleanups.push(async () => rmSync(tmp, { recursive: true, force: true }))

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return void children.delete(child)
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
  await exited
  clearTimeout(timer)
  children.delete(child)
}

export async function cleanUp() {
  await Promise.all([...children].map(stop))
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {})
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\nbench: ${signal}, cleaning up\n`)
    void cleanUp().finally(() => process.exit(130))
  })
}

/** Only what is asked for: no NODE_ENV (production would rename the cookie), no DATABASE_URL. */
export function cleanEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
}

/** Runs node with `args` to its end: its stdout, or an error with its stderr. */
export function runNode(args: string[], env: Record<string, string>): Promise<string> {
  return runProgram(process.execPath, args, env)
}

/** Runs `program` with `args` to its end: its stdout, or an error with its stderr. */
export function runProgram(
  program: string,
  args: string[],
  env: Record<string, string>,
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { cwd: ROOT, env: cleanEnv(env) })
    children.add(child)
    // Not there (wrk not installed) or not runnable: no 'exit' will come.
    child.on('error', (error) => {
      children.delete(child)
      reject(error)
    })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (err += chunk))
    // 'close', not 'exit': after 'exit' the pipes may still hold the end of the output.
    child.on('close', (code) => {
      children.delete(child)
      if (code === 0) resolve(out)
      else reject(new Error(`${program} ${args.join(' ')} exited with ${code}: ${err.trim()}`))
    })
  })
}
