import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { after, before, describe, test } from 'node:test'
import { exitWithin, freePort, spawnServer, tempDir } from '../helpers/child-server.js'

// CONTRACT.md: "a bad value stops the start with a non-zero exit and a line that
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
  ['COOKIE_SECURE', 'yes'],
  ['SECRET_KEY', 'too-short'],
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
        const exit = await exitWithin(server, 15_000)
        assert.equal(exit.signal, null)
        assert.notEqual(exit.code, 0, 'a non-zero exit')
        const named = server
          .stderr()
          .split('\n')
          .find((line) => new RegExp(`\\b${variable}\\b`).test(line))
        assert.ok(named, `stderr names ${variable}:\n${server.stderr()}`)
        if (variable === 'SECRET_KEY')
          assert.ok(!server.stderr().includes(value), 'a secret is never echoed')
        assert.doesNotMatch(server.stderr(), /^\s+at /m, 'no stack trace, one readable line')
        assert.doesNotMatch(server.stdout(), /Server listening/)
        assert.equal(existsSync(dataDir), false, 'nothing was written before the check')
      } finally {
        await server.kill()
      }
    })
  }
})
