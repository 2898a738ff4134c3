import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { access, chown, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { freePort, tempDir } from './child-server.js'

// A PostgreSQL cluster of a test's own (Debian's binaries, a temporary folder, a free
// port on 127.0.0.1, trust authentication), for tests that stop and start the database
// server itself, which the shared one at TEST_DATABASE_URL must never be. initdb and
// postgres refuse to run as root: as root, they run as the postgres user.

const run = promisify(execFile)
const PG_LIB = '/usr/lib/postgresql'

/** The newest Debian PostgreSQL's bin folder, or undefined when none is installed. */
export function locatePostgres(): string | undefined {
  if (!existsSync(PG_LIB)) return undefined
  const versions = readdirSync(PG_LIB).filter((name) => /^\d+$/.test(name))
  versions.sort((a, b) => Number(b) - Number(a))
  return versions.map((v) => join(PG_LIB, v, 'bin')).find((dir) => existsSync(join(dir, 'pg_ctl')))
}

async function chownToPostgres(path: string): Promise<void> {
  const [{ stdout: uid }, { stdout: gid }] = await Promise.all([
    run('id', ['-u', 'postgres']),
    run('id', ['-g', 'postgres']),
  ])
  await chown(path, Number(uid.trim()), Number(gid.trim()))
}

export interface ThrowawayPostgres {
  readonly port: number
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string
  /** pg_ctl stop -m fast: every connection is ended, what is committed is written. */
  stop(): Promise<void>
  start(): Promise<void>
  /** Stops the server if it runs and removes its folder. */
  remove(): Promise<void>
}

export async function startThrowawayPostgres(bin: string): Promise<ThrowawayPostgres> {
  const dir = await tempDir('logon-throwaway-pg-')
  const data = join(dir.path, 'data')
  const port = await freePort()
  const asRoot = process.getuid?.() === 0
  if (asRoot) await chownToPostgres(dir.path)
  const as = (command: string, args: string[]) =>
    asRoot
      ? run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args])
      : run(join(bin, command), args)
  // --no-sync: a folder thrown away after the test needs no fsync to survive a power cut.
  await as('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
  ]).catch(async (error: unknown) => {
    await dir.remove()
    throw error
  })
  await writeFile(
    join(data, 'postgresql.auto.conf'),
    `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '${dir.path}'\n`,
  )
  if (asRoot) await chownToPostgres(join(data, 'postgresql.auto.conf'))
  const log = join(dir.path, 'postgres.log')
  let running = false
  const cluster: ThrowawayPostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async start() {
      await as('pg_ctl', ['-D', data, '-l', log, '-w', '-t', '30', 'start'])
      running = true
    },
    async stop() {
      await as('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop'])
      running = false
    },
    async remove() {
      // Also after a start that failed once the postmaster was up (its pid file is there).
      const up =
        running ||
        (await access(join(data, 'postmaster.pid')).then(
          () => true,
          () => false,
        ))
      if (up)
        await as('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '30', 'stop']).catch(
          () => {},
        )
      running = false
      await dir.remove()
    },
  }
  try {
    await cluster.start()
  } catch (error) {
    await cluster.remove()
    throw error
  }
  return cluster
}
