import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { freePort, PROJECT_DIR, tempDir } from './child-server.js'

// A PgBouncer of a test's own (Debian's), in transaction mode, in front of the test
// PostgreSQL server: its configuration is docs/deploy.md's, as an operator would copy
// it, with the test's port, databases, trust authentication and pool size put in.

export const PGBOUNCER = '/usr/sbin/pgbouncer'

/** Why the PgBouncer tests cannot run here, or undefined. In CI a missing PgBouncer is a failure. */
export function pgbouncerSkipReason(): string | undefined {
  if (existsSync(PGBOUNCER)) return undefined
  if (process.env.CI === 'true') return undefined // fails in startPgBouncer()
  return `PgBouncer is not installed at ${PGBOUNCER}; apt-get install -y pgbouncer (with CI=true this is a failure)`
}

export interface PgBouncer {
  readonly port: number
  /** postgres://user@127.0.0.1:PORT/NAME: one of `databases` through PgBouncer. */
  urlFor(name: string): string
  /** What PgBouncer logged so far. */
  log(): string
  stop(): Promise<void>
}

/** docs/deploy.md's PgBouncer block, with this test's values. */
function pgbouncerConfig(options: {
  port: number
  server: URL
  databases: Record<string, string>
  poolSize: number
  authFile: string
}): string {
  const deploy = readFileSync(join(PROJECT_DIR, 'docs', 'deploy.md'), 'utf8')
  const block = /```ini\n(\[databases\][\s\S]*?)```/.exec(deploy)?.[1]
  assert.ok(block, 'docs/deploy.md has a PgBouncer block')
  const entries = Object.entries(options.databases).map(
    ([name, database]) =>
      `${name} = host=${options.server.hostname} port=${options.server.port || 5432} dbname=${database}`,
  )
  const replacements: Array<[RegExp, string]> = [
    [/^logon = host=.*$/m, entries.join('\n')],
    [/^listen_port = \d+$/m, `listen_port = ${options.port}`],
    // The test server trusts 127.0.0.1; PgBouncer still wants the user in auth_file.
    [/^auth_type = .*$/m, 'auth_type = trust'],
    [/^auth_file = .*$/m, `auth_file = ${options.authFile}`],
    [/^default_pool_size = \d+$/m, `default_pool_size = ${options.poolSize}`],
  ]
  let config = block
  for (const [line, value] of replacements) {
    assert.match(config, line, `the block has ${line}`)
    config = config.replace(line, value)
  }
  assert.match(config, /^pool_mode = transaction$/m)
  assert.match(config, /^listen_addr = 127\.0\.0\.1$/m)
  // No Unix socket: only the test's own TCP port.
  return config.replace('[pgbouncer]', '[pgbouncer]\nunix_socket_dir =')
}

/**
 * Starts PgBouncer in the foreground on a free port of 127.0.0.1, in front of the
 * server of `serverUrl`, serving each of `databases` (its name in PgBouncer → the
 * database on the server) to serverUrl's user; resolves once a query goes through.
 */
export async function startPgBouncer({
  serverUrl,
  databases,
  poolSize,
}: {
  serverUrl: string
  databases: Record<string, string>
  poolSize: number
}): Promise<PgBouncer> {
  if (!existsSync(PGBOUNCER)) {
    throw new Error(
      `PgBouncer is not installed at ${PGBOUNCER} (.ci/run installs Debian's pgbouncer)`,
    )
  }
  const server = new URL(serverUrl)
  const user = decodeURIComponent(server.username) || 'postgres'
  const dir = await tempDir('logon-pgbouncer-')
  const port = await freePort()
  const authFile = join(dir.path, 'userlist.txt')
  await writeFile(authFile, `"${user}" ""\n`)
  const configFile = join(dir.path, 'pgbouncer.ini')
  await writeFile(configFile, pgbouncerConfig({ port, server, databases, poolSize, authFile }))
  // PgBouncer refuses to run as root: as root, it is told to become nobody, who must
  // be able to read its folder.
  const asRoot = process.getuid?.() === 0
  if (asRoot) await chmod(dir.path, 0o755)
  const proc: ChildProcess = spawn(PGBOUNCER, [...(asRoot ? ['-u', 'nobody'] : []), configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let output = ''
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk))
  const exited = new Promise<void>((resolve) => proc.once('close', () => resolve()))
  const urlFor = (name: string) =>
    `postgres://${encodeURIComponent(user)}@127.0.0.1:${port}/${name}`
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM') // PgBouncer's immediate shutdown
      const stopped = await Promise.race([exited.then(() => true), sleep(3_000, false)])
      if (!stopped) proc.kill('SIGKILL')
    }
    await exited
    await dir.remove()
  }

  const first = Object.keys(databases)[0]!
  const deadline = Date.now() + 10_000
  for (;;) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      await stop()
      throw new Error(`PgBouncer exited at start:\n${output}`)
    }
    const client = new pg.Client({
      connectionString: urlFor(first),
      connectionTimeoutMillis: 1_000,
    })
    const up = await client.connect().then(
      () => client.query('SELECT 1').then(() => true),
      () => false,
    )
    await client.end().catch(() => {})
    if (up) break
    if (Date.now() > deadline) {
      await stop()
      throw new Error(`PgBouncer did not answer within 10 s:\n${output}`)
    }
    await sleep(100)
  }
  return { port, urlFor, log: () => output, stop }
}
