import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { startServer, tempDir, type ChildServer } from '../helpers/child-server.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'
import { HttpBrowser } from '../helpers/http-request.js'
import { signedInAs } from '../helpers/pages.js'
import { createTestSchema } from '../helpers/pg-schema.js'

// docs/contract.md: "A 303 after a write means the write is committed: it survives a
// crash (SIGKILL) of the process right after, on either engine."

const USERNAME = 'Durable_Dana'
const PASSWORD = 'correct horse battery staple'

interface Engine {
  name: string
  skip: string | false
  /** The env of the server, the same for both starts, and its cleanup. */
  setUp(): Promise<{ env: Record<string, string>; tearDown(): Promise<void> }>
}

const engines: Engine[] = [
  {
    name: 'embedded PGlite',
    skip: false,
    async setUp() {
      const dir = await tempDir('logon-durability-')
      return { env: { DATA_DIR: `${dir.path}/data` }, tearDown: dir.remove }
    },
  },
  {
    name: 'PostgreSQL',
    skip: TEST_DATABASE_URL ? false : 'TEST_DATABASE_URL is not set',
    async setUp() {
      const schema = await createTestSchema(TEST_DATABASE_URL!, 'logon_proc_')
      return { env: { DATABASE_URL: schema.urlFor(TEST_DATABASE_URL!) }, tearDown: schema.drop }
    },
  },
]

for (const engine of engines) {
  describe(`durability on ${engine.name}`, { skip: engine.skip, timeout: 60_000 }, () => {
    let env: Record<string, string>
    let tearDown: (() => Promise<void>) | undefined
    const servers: ChildServer[] = []

    before(async () => {
      ;({ env, tearDown } = await engine.setUp())
    })
    after(async () => {
      for (const server of servers) await server.kill()
      await tearDown?.()
    })

    async function start(): Promise<ChildServer> {
      const server = await startServer(env)
      servers.push(server)
      return server
    }

    test('a 303 after a write survives SIGKILL: the account and its session are there after a restart', async () => {
      const first = await start()
      const browser = new HttpBrowser(first.baseUrl)
      const fields = await browser.formFields('/register', '/register', {
        username: USERNAME,
        password: PASSWORD,
      })
      assert.ok(fields._csrf, 'the register form carries a _csrf token')
      assert.ok(browser.jar.get('csrf'), 'GET /register set the csrf cookie')

      const registered = await browser.post('/register', fields)
      // Killed the moment the 303 is in: nothing may be left to flush after it.
      first.proc.kill('SIGKILL')
      assert.equal(registered.status, 303, registered.body)
      assert.equal(registered.headers.location, '/')
      const sessionToken = registered.cookies.session
      assert.ok(sessionToken, 'the registration started a session')
      const exit = await first.exited
      assert.equal(exit.signal, 'SIGKILL')

      const second = await start()
      browser.baseUrl = second.baseUrl

      const home = await browser.get('/')
      assert.equal(home.status, 200)
      assert.equal(signedInAs(home.body), USERNAME, 'the session survived')

      const stranger = new HttpBrowser(second.baseUrl)
      const signedIn = await stranger.submit('/login', '/login', {
        username: USERNAME,
        password: PASSWORD,
      })
      assert.equal(signedIn.status, 303, signedIn.body)
      assert.equal(signedIn.headers.location, '/')
      assert.ok(signedIn.cookies.session, 'signing in sets a session cookie')
      assert.notEqual(signedIn.cookies.session, sessionToken)
      assert.equal(signedInAs((await stranger.get('/')).body), USERNAME)
    })
  })
}
