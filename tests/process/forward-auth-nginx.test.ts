import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { hiddenInputs } from '../helpers/client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// A real nginx (Debian's) in front of Logon and of a tiny app on the same site, as
// docs/contract.md's GET /auth/verify is meant to be used: signed out, the app's
// address sends the browser to sign in; signed in, the app gets the name in a
// header; signed out again, it is refused. nginx's own configuration is the one the
// README shows (auth_request, the 401's Location as the redirect).

const NGINX = '/usr/sbin/nginx'
const PASSWORD = 'a long and uncommon passphrase'

function nginxSkipReason(): string | undefined {
  if (existsSync(NGINX)) return undefined
  if (process.env.CI === 'true') return undefined // fails in before()
  return `nginx is not installed at ${NGINX}; apt-get install -y nginx (with CI=true this is a failure)`
}

/** The README's configuration, with this test's ports and a folder of its own. */
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
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${port};

    # Logon's own pages (sign-in, account) on the same site.
    location / {
      proxy_pass http://127.0.0.1:${logon};
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
    }

    # The sub-request: the browser's cookie, the address it asked for, no body.
    location = /auth/verify {
      internal;
      proxy_pass http://127.0.0.1:${logon};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Original-URI $request_uri;
    }

    # The app behind Logon: only signed-in people, and it is told who.
    location /app/ {
      auth_request /auth/verify;
      auth_request_set $logon_user $upstream_http_x_logon_user;
      auth_request_set $logon_signin $upstream_http_location;
      error_page 401 =302 $logon_signin;
      proxy_set_header X-Logon-User $logon_user;
      proxy_pass http://127.0.0.1:${app};
    }
  }
}
`
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo
  await new Promise((done) => server.close(done))
  return port
}

/** fetch without following redirects, with a cookie jar of one browser. */
class Browser {
  private readonly cookies = new Map<string, string>()
  constructor(private readonly base: string) {}
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ')
    const response = await fetch(`${this.base}${path}`, {
      ...init,
      redirect: 'manual',
      headers: { ...(init.headers as Record<string, string>), ...(cookie ? { cookie } : {}) },
    })
    for (const set of response.headers.getSetCookie()) {
      const [pair] = set.split(';')
      const [name, ...value] = pair!.split('=')
      if (/max-age=0/i.test(set) || /expires=Thu, 01 Jan 1970/i.test(set))
        this.cookies.delete(name!)
      else this.cookies.set(name!, value.join('='))
    }
    return response
  }
  async submit(page: string, action: string, fields: Record<string, string>): Promise<Response> {
    const html = await (await this.request(page)).text()
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
    let base: string
    let signInAt: string

    before(async () => {
      if (!existsSync(NGINX)) throw new Error(`CI=true but nginx is not installed at ${NGINX}`)
      dir = await mkdtemp(join(tmpdir(), 'logon-nginx-'))
      const port = await freePort()
      // nginx is the one proxy in front (TRUST_PROXY=true), and the site's origin is its.
      const publicOrigin = `http://localhost:${port}`
      logon = await startTestApp('pglite', {
        env: { TRUST_PROXY: 'true', PUBLIC_ORIGIN: publicOrigin },
      })
      signInAt = `${publicOrigin}/login`
      await logon.app.listen({ port: 0, host: '127.0.0.1' })
      app = createServer((request, response) => {
        response.setHeader('content-type', 'text/plain; charset=utf-8')
        response.end(`app sees: ${decodeURIComponent(String(request.headers['x-logon-user']))}`)
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
      base = `http://127.0.0.1:${port}`
      for (let i = 0; ; i++) {
        try {
          await fetch(`${base}/healthz`)
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

    test('signed out → sent to sign in → back to the app, which sees the name; signed out again → refused', async () => {
      const person = new Browser(base)
      assert.equal(
        (await person.submit('/register', '/register', { username: 'visitor', password: PASSWORD }))
          .status,
        303,
      )
      assert.equal((await person.submit('/', '/logout', {})).status, 303)

      const refused = await person.request('/app/report')
      assert.equal(refused.status, 302, 'nginx turns the 401 into a redirect')
      assert.equal(refused.headers.get('location'), `${signInAt}?next=%2Fapp%2Freport`)

      const signedIn = await person.submit('/login?next=%2Fapp%2Freport', '/login', {
        username: 'visitor',
        password: PASSWORD,
      })
      assert.equal(signedIn.status, 303)
      assert.equal(signedIn.headers.get('location'), '/app/report')

      const inside = await person.request('/app/report')
      assert.equal(inside.status, 200)
      assert.equal(await inside.text(), 'app sees: visitor')

      assert.equal((await person.submit('/', '/logout', {})).status, 303)
      const again = await person.request('/app/report')
      assert.equal(again.status, 302, 'signed out: refused again')

      // A browser that never signed in cannot choose the name the app sees.
      const stranger = new Browser(base)
      const forged = await stranger.request('/app/report', {
        headers: { 'x-logon-user': 'visitor' },
      })
      assert.equal(forged.status, 302)
    })
  },
)
