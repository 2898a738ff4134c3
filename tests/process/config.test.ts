import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import net from 'node:net'
import { after, before, describe, test } from 'node:test'
import {
  exitWithin,
  freePort,
  spawnServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'

// docs/contract.md: "a bad value stops the start with a non-zero exit and a line that
// names the variable".

// Each row starts a process (~1.5 s of CPU): one or two per kind of check.
const BAD_VALUES: Array<[variable: string, value: string]> = [
  ['PORT', '99999'],
  ['PORT', ' '],
  ['SESSION_IDLE_TIMEOUT', 'abc'],
  ['SESSION_ABSOLUTE_TIMEOUT', '1.5'],
  // Far past what a Date holds: accepted, it made every sign-in a 500.
  ['SESSION_ABSOLUTE_TIMEOUT', '9000000000'],
  ['SESSION_REMEMBER_TIMEOUT', '-60'],
  ['PASSWORD_MIN_LENGTH', '4'],
  ['DATABASE_URL', 'mysql://x'],
  ['DATABASE_LISTEN_URL', 'postgres://db/logon'], // without DATABASE_URL
  ['COOKIE_SECURE', 'yes'],
  ['SECRET_KEY', 'too-short'],
  // WebAuthn needs a host name: an IP address is refused at start, not at the first passkey.
  ['PUBLIC_ORIGIN', 'https://192.0.2.1'],
  ['METRICS_PORT', '0'],
]

describe('start-up configuration', { concurrency: 4, timeout: 60_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    dir = await tempDir('logon-config-')
  })
  after(() => dir?.remove())

  for (const [variable, value] of BAD_VALUES) {
    test(`${variable}=${value} stops the start with a non-zero exit and a stderr line naming ${variable}`, async () => {
      const dataDir = `${dir.path}/${variable}-${Buffer.from(value).toString('hex')}`
      const server = spawnServer({
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        DATA_DIR: dataDir,
        LOG_LEVEL: 'warn',
        [variable]: value,
      })
      try {
        await assertStopsNaming(server, variable)
        if (variable === 'SECRET_KEY')
          assert.ok(!server.stderr().includes(value), 'a secret is never echoed')
        assert.equal(existsSync(dataDir), false, 'nothing was written before the check')
      } finally {
        await server.kill()
      }
    })
  }
})

/** The process exits non-zero with one readable stderr line naming `variable`; returns it. */
async function assertStopsNaming(server: ChildServer, variable: string): Promise<string> {
  const exit = await exitWithin(server, 30_000)
  assert.equal(exit.signal, null)
  assert.notEqual(exit.code, 0, 'a non-zero exit')
  const named = server
    .stderr()
    .split('\n')
    .find((line) => new RegExp(`\\b${variable}\\b`).test(line))
  assert.ok(named, `stderr names ${variable}:\n${server.stderr()}`)
  assert.doesNotMatch(server.stderr(), /^\s+at /m, 'no stack trace, one readable line')
  assert.doesNotMatch(server.stdout(), /Server listening/)
  return named
}

// Values that pass validation but cannot be used: found only when start-up uses them.
const DATABASE_PASSWORD = 'pw-never-printed'

interface UnusableValue {
  variable: string
  what: string
  /** The environment of the start; `dir` is a fresh folder of this case. */
  env(dir: string): Promise<Record<string, string>>
  /** Text the line must contain, beside the variable's name. */
  mentions?: (env: Record<string, string>) => string
}

const UNUSABLE_VALUES: UnusableValue[] = [
  {
    variable: 'DATABASE_URL',
    what: 'a server that refuses connections',
    async env() {
      const port = await freePort()
      return { DATABASE_URL: `postgres://logon:${DATABASE_PASSWORD}@127.0.0.1:${port}/logon` }
    },
    mentions: (env) => new URL(env.DATABASE_URL!).host,
  },
  {
    variable: 'DATABASE_URL',
    what: 'a host name that does not resolve',
    async env() {
      return { DATABASE_URL: `postgres://logon:${DATABASE_PASSWORD}@db.logon.invalid/logon` }
    },
    mentions: () => 'db.logon.invalid',
  },
  {
    variable: 'DATA_DIR',
    what: 'a path under a regular file',
    async env(dir) {
      await writeFile(`${dir}-file`, 'not a folder')
      return { DATA_DIR: `${dir}-file/data` }
    },
    mentions: (env) => env.DATA_DIR!,
  },
  {
    variable: 'HOST',
    what: 'a host name that does not resolve',
    async env(dir) {
      return { DATA_DIR: dir, HOST: 'nowhere.logon.invalid' }
    },
    mentions: () => 'nowhere.logon.invalid',
  },
  {
    variable: 'PORT',
    what: 'a port another process listens on',
    async env(dir) {
      return { DATA_DIR: dir, PORT: String(await occupiedPort()) }
    },
    mentions: (env) => env.PORT!,
  },
]

const occupiers: net.Server[] = []
/** A port with a listener on 127.0.0.1 until the tests end. */
async function occupiedPort(): Promise<number> {
  const server = net.createServer()
  occupiers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return (server.address() as net.AddressInfo).port
}

describe('start-up with a value that cannot be used', { concurrency: 3, timeout: 60_000 }, () => {
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    dir = await tempDir('logon-unusable-')
  })
  after(async () => {
    for (const server of occupiers) server.close()
    await dir?.remove()
  })

  UNUSABLE_VALUES.forEach(({ variable, what, env, mentions }, index) => {
    test(`${variable} of ${what} stops the start with a non-zero exit and a stderr line naming it`, async () => {
      const caseEnv = await env(`${dir.path}/case-${index}`)
      const server = spawnServer({
        HOST: '127.0.0.1',
        PORT: String(await freePort()),
        LOG_LEVEL: 'warn',
        ...caseEnv,
      })
      try {
        const line = await assertStopsNaming(server, variable)
        if (mentions) assert.ok(line.includes(mentions(caseEnv)), line)
        assert.ok(!server.stderr().includes(DATABASE_PASSWORD), 'a password is never printed')
      } finally {
        await server.kill()
      }
    })
  })
})
