import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import {
  connectionRefused,
  exitWithin,
  startServer,
  tempDir,
  type ChildServer,
} from '../helpers/child-server.js'
import { HttpBrowser, sendRequest } from '../helpers/http-request.js'
import { formError, message } from '../helpers/pages.js'

// docs/contract.md: "SIGTERM or SIGINT: stop accepting, finish in-flight requests, close
// the database, exit 0 within 10 s."

interface LogLine {
  msg?: string
  reqId?: string
  signal?: string
  req?: { method?: string; url?: string }
  res?: { statusCode?: number }
}

function logLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine)
}

describe('graceful shutdown', { timeout: 60_000 }, () => {
  // One embedded database for both tests: each server is stopped before the next starts.
  let dataDir: Awaited<ReturnType<typeof tempDir>>
  const servers: ChildServer[] = []
  before(async () => {
    dataDir = await tempDir('logon-shutdown-')
  })
  after(async () => {
    for (const server of servers) await server.kill()
    await dataDir?.remove()
  })

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`on ${signal} an in-flight sign-in still gets its 401, then the process exits 0 within 10 s and the port is closed`, async (t) => {
      const startedAt = Date.now()
      const server = await startServer({
        DATA_DIR: dataDir.path,
        // Request logs show the order of events; slower argon2 keeps the request in flight.
        LOG_LEVEL: 'info',
        PASSWORD_HASH_ITERATIONS: '12',
      })
      servers.push(server)
      t.diagnostic(`healthy after ${Date.now() - startedAt} ms`)
      const browser = new HttpBrowser(server.baseUrl)
      const fields = await browser.formFields('/login', '/login', {
        username: 'nobody_here',
        password: 'not the right password at all',
      })

      const inFlight = sendRequest(server.baseUrl, {
        ...browser.postRequest('/login', fields),
        timeoutMs: 10_000,
      })
      inFlight.response.catch(() => {}) // awaited below; not an unhandled rejection meanwhile
      await inFlight.sent
      // The server has read the request (its hook logged it) and is verifying the password.
      await server.waitForStdout(/"method":"POST","url":"\/login".*"msg":"incoming request"/, 5_000)
      const signalledAt = Date.now()
      server.proc.kill(signal)

      const response = await inFlight.response
      t.diagnostic(`answered ${Date.now() - signalledAt} ms after ${signal}`)
      assert.equal(response.status, 401, 'the in-flight request was finished, not dropped')
      assert.equal(formError(response.body), message('login.failed'))

      const exit = await exitWithin(server, 10_000)
      const exitedAfterMs = Date.now() - signalledAt
      t.diagnostic(`exited ${exitedAfterMs} ms after ${signal}`)
      assert.deepEqual(exit, { code: 0, signal: null }, server.stderr())
      assert.ok(exitedAfterMs < 10_000, `exited ${exitedAfterMs} ms after ${signal}`)

      const lines = logLines(server.stdout())
      const stopping = lines.findIndex((line) => line.msg === 'stopping')
      const started = lines.find((line) => line.req?.url === '/login' && line.req.method === 'POST')
      assert.ok(started?.reqId, 'the POST /login was logged')
      const completed = lines.findIndex(
        (line) => line.reqId === started.reqId && line.msg === 'request completed',
      )
      assert.ok(stopping >= 0, `the server logged that it stops on ${signal}`)
      assert.equal(lines[stopping]?.signal, signal)
      assert.ok(
        completed > stopping,
        'the request was still in flight when the signal arrived, and completed after it',
      )
      assert.doesNotMatch(server.stderr(), /killed by timeout|error/i)

      assert.equal(await connectionRefused(server.port), true, 'nothing listens on the port')
    })
  }
})
