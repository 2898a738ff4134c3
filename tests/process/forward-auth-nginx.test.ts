import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { execFile } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import { request as httpsRequest } from 'node:https'
import { promisify } from 'node:util'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { PROJECT_DIR } from '../helpers/child-server.js'
import { hiddenInputs } from '../helpers/client.js'
import { nginxMainConfig } from '../helpers/nginx.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// A real nginx (Debian's) in front of Logon and of a tiny app on the same site, over
// TLS, as docs/contract.md's GET /auth/verify is meant to be used: signed out, the
// app's address sends the browser to sign in; signed in, the app gets the name in a
// header and none of Logon's credentials; signed out again, it is refused. nginx's
// configuration is read from docs/deploy.md, as an operator would copy it.

const NGINX = '/usr/sbin/nginx'
const PASSWORD = 'a long and uncommon passphrase'
const run = promisify(execFile)

function nginxSkipReason(): string | undefined {
  if (existsSync(NGINX)) return undefined
  if (process.env.CI === 'true') return undefined // fails in before()
  return `nginx is not installed at ${NGINX}; apt-get install -y nginx (with CI=true this is a failure)`
}

/** docs/deploy.md's nginx block, with this test's ports, certificate and folder. */
function nginxConfig({
  dir,
  port,
  logon,
  app,
}: {
  dir: string
  port: number
  logon: number
  app: number
}) {
  const deploy = readFileSync(join(PROJECT_DIR, 'docs', 'deploy.md'), 'utf8')
  const block = /```nginx\n([\s\S]*?)```/.exec(deploy)?.[1]
  assert.ok(block, 'docs/deploy.md has an nginx block')
  const site = block
    .replace('listen 443 ssl;', `listen 127.0.0.1:${port} ssl;`)
    .replace(/ssl_certificate (\S+);/, `ssl_certificate ${dir}/site.pem;`)
    .replace(/ssl_certificate_key (\S+);/, `ssl_certificate_key ${dir}/site.key;`)
    .replaceAll('127.0.0.1:3000', `127.0.0.1:${logon}`)
    .replaceAll('127.0.0.1:8080', `127.0.0.1:${app}`)
  for (const used of [String(logon), String(app), `${dir}/site.pem`]) {
    assert.ok(site.includes(used), `the block was adapted: ${used}`)
  }
  return nginxMainConfig(dir, site, { errorLogLevel: 'warn', workerConnections: 64 })
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

interface Answer {
  status: number
  location: string | undefined
  body: string
}

/**
 * One browser of the site at `origin` (https://localhost:PORT), reached at 127.0.0.1:
 * its cookie jar, no redirects followed, the test's own certificate accepted, and the
 * Origin header a browser sends with every form.
 */
class Browser {
  private readonly cookies = new Map<string, string>()
  constructor(private readonly origin: string) {}
  request(
    path: string,
    {
      method = 'GET',
      headers = {},
      body,
    }: { method?: string; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Answer> {
    const { host, port } = new URL(this.origin)
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    return new Promise((resolve, reject) => {
      const outgoing = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          servername: 'localhost',
          rejectUnauthorized: false,
          method,
          path,
          headers: {
            host,
            ...(method === 'POST' ? { origin: this.origin } : {}),
            ...headers,
            ...(cookie ? { cookie } : {}),
          },
        },
        (response) => {
          for (const set of response.headers['set-cookie'] ?? []) {
            const [pair] = set.split(';')
            const [name, ...value] = pair!.split('=')
            if (/max-age=0/i.test(set) || /expires=Thu, 01 Jan 1970/i.test(set))
              this.cookies.delete(name!)
            else this.cookies.set(name!, value.join('='))
          }
          let text = ''
          response.setEncoding('utf8').on('data', (chunk: string) => (text += chunk))
          response.on('end', () =>
            resolve({
              status: response.statusCode!,
              location: response.headers.location,
              body: text,
            }),
          )
        },
      )
      outgoing.on('error', reject)
      outgoing.end(body)
    })
  }
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Answer> {
    const html = (await this.request(page)).body
    const body = new URLSearchParams({ ...hiddenInputs(html, action), ...fields })
    return this.request(action, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body.toString(),
    })
  }
}

describe(
  'an app behind real nginx, protected by Logon',
  { skip: nginxSkipReason() ?? false },
  () => {
    let logon: TestApp
    let app: Server
    let nginx: ChildProcess
    let dir: string
    let origin: string
    let signInAt: string

    before(async () => {
      if (!existsSync(NGINX)) throw new Error(`CI=true but nginx is not installed at ${NGINX}`)
      dir = await mkdtemp(join(tmpdir(), 'logon-nginx-'))
      const port = await freePort()
      // nginx is the one proxy in front (TRUST_PROXY=true), and the site's origin is its.
      origin = `https://localhost:${port}`
      await run('openssl', [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-keyout',
        join(dir, 'site.key'),
        '-out',
        join(dir, 'site.pem'),
      ])
      const publicOrigin = origin
      logon = await startTestApp('pglite', {
        env: { TRUST_PROXY: 'true', PUBLIC_ORIGIN: publicOrigin, COOKIE_SECURE: 'true' },
      })
      signInAt = `${publicOrigin}/login`
      await logon.app.listen({ port: 0, host: '127.0.0.1' })
      app = createServer((request, response) => {
        response.setHeader('content-type', 'text/plain; charset=utf-8')
        const cookies = String(request.headers.cookie ?? '')
        response.end(
          `app sees: ${decodeURIComponent(String(request.headers['x-logon-user']))}; cookies: ${cookies}`,
        )
      })
      await new Promise<void>((done) => app.listen(0, '127.0.0.1', done))
      const config = join(dir, 'nginx.conf')
      await writeFile(
        config,
        nginxConfig({
          dir,
          port,
          logon: (logon.app.server.address() as AddressInfo).port,
          app: (app.address() as AddressInfo).port,
        }),
      )
      nginx = spawn(NGINX, ['-c', config, '-p', dir], { stdio: ['ignore', 'ignore', 'pipe'] })
      let stderr = ''
      nginx.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
      for (let i = 0; ; i++) {
        try {
          await new Browser(origin).request('/healthz')
          break
        } catch {
          if (i > 100 || nginx.exitCode !== null) throw new Error(`nginx did not start: ${stderr}`)
          await new Promise((done) => setTimeout(done, 50))
        }
      }
    })

    after(async () => {
      nginx?.kill('SIGQUIT')
      if (nginx && nginx.exitCode === null) await new Promise((done) => nginx.once('exit', done))
      await new Promise((done) => app?.close(done))
      await logon?.close()
      if (dir) await rm(dir, { recursive: true, force: true })
    })

    test('signed out → sent to sign in → back to the app, which sees the name and no credential; signed out again → refused', async () => {
      const person = new Browser(origin)
      assert.equal(
        (await person.submit('/register', '/register', { username: 'visitor', password: PASSWORD }))
          .status,
        303,
        'a form of the https site is its own (X-Forwarded-Proto)',
      )
      assert.equal((await person.submit('/', '/logout', {})).status, 303)

      const refused = await person.request('/app/report')
      assert.equal(refused.status, 302, 'nginx turns the 401 into a redirect')
      assert.equal(refused.location, `${signInAt}?next=%2Fapp%2Freport`)

      const signedIn = await person.submit('/login?next=%2Fapp%2Freport', '/login', {
        username: 'visitor',
        password: PASSWORD,
      })
      assert.equal(signedIn.status, 303)
      assert.equal(signedIn.location, '/app/report')

      const inside = await person.request('/app/report')
      assert.equal(inside.status, 200)
      const [sees, cookies] = inside.body.split('; cookies: ')
      assert.equal(sees, 'app sees: visitor')
      assert.doesNotMatch(cookies!, /session=/, 'the session cookie stays with Logon')
      assert.match(
        cookies!,
        /(?:^|; )__Host-device=[^;]+/,
        "the browser's other cookies reach the app",
      )

      // Signed in, a browser still cannot choose the name the app sees.
      const forged = await person.request('/app/report', {
        headers: { 'x-logon-user': 'someone-else' },
      })
      assert.equal(forged.status, 200)
      assert.match(forged.body, /^app sees: visitor;/)
      // Nor turn the sub-request into a redirect nginx would answer with a 500.
      const sneaky = await person.request('/app/report', {
        headers: { 'x-forwarded-uri': '/elsewhere' },
      })
      assert.equal(sneaky.status, 200)

      assert.equal((await person.submit('/', '/logout', {})).status, 303)
      const again = await person.request('/app/report')
      assert.equal(again.status, 302, 'signed out: refused again')
      const stranger = await new Browser(origin).request('/app/report', {
        headers: { 'x-logon-user': 'visitor', 'x-forwarded-uri': '/elsewhere' },
      })
      assert.equal(stranger.status, 302)
      assert.equal(stranger.location, `${signInAt}?next=%2Fapp%2Freport`)
    })
  },
)
