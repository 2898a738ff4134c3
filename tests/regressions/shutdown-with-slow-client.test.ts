import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { after, test } from 'node:test'
import { exitWithin, startServer, tempDir, type ChildServer } from '../helpers/child-server.js'

// Regression: a client that sent its headers and trickled the body in a byte a
// second held app.close() until close-with-grace's 9 s delay ran out: SIGTERM
// exited 1 without closing the database. docs/contract.md: "SIGTERM or SIGINT: stop
// accepting, finish in-flight requests, close the database, exit 0 within 10 s."

let dir: Awaited<ReturnType<typeof tempDir>> | undefined
let server: ChildServer | undefined
let socket: net.Socket | undefined
let trickle: NodeJS.Timeout | undefined
after(async () => {
  clearInterval(trickle)
  socket?.destroy()
  await server?.kill()
  await dir?.remove()
})

test(
  'SIGTERM while a client sends its body a byte a second: exit 0 within 10 s, database closed',
  { timeout: 60_000 },
  async (t) => {
    dir = await tempDir('logon-slow-client-')
    server = await startServer({ DATA_DIR: dir.path, LOG_LEVEL: 'info' })

    socket = net.connect({ host: '127.0.0.1', port: server.port })
    socket.on('error', () => {}) // the server cuts this client off: expected
    await new Promise((resolve) => socket!.once('connect', resolve))
    socket.write(
      'POST /login HTTP/1.1\r\n' +
        `Host: 127.0.0.1:${server.port}\r\n` +
        'Content-Type: application/x-www-form-urlencoded\r\n' +
        'Content-Length: 100\r\n\r\n',
    )
    trickle = setInterval(() => socket!.write('a'), 1_000)
    // The server is reading this request: its body would take 100 s to arrive.
    await server.waitForStdout(/"method":"POST","url":"\/login".*"msg":"incoming request"/, 5_000)

    const signalledAt = Date.now()
    server.proc.kill('SIGTERM')
    const exit = await exitWithin(server, 10_000)
    t.diagnostic(`exited ${Date.now() - signalledAt} ms after SIGTERM`)
    assert.deepEqual(exit, { code: 0, signal: null }, server.stderr())
    assert.doesNotMatch(server.stderr(), /killed by timeout/)
    // The data-dir lock is released only once the database has closed.
    assert.equal(existsSync(join(dir.path, 'logon.pid')), false, 'the database was closed')
  },
)
