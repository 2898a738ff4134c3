import { createHash, timingSafeEqual } from 'node:crypto'
import { createServer, type ServerResponse } from 'node:http'
import pg from 'pg'

// The baseline of `npm run bench`: what a straightforward implementation does for a
// signed-in GET /, with node:http and a pg pool, no framework. Two round trips per
// page (session joined to its user, then the 50 newest members) and an HTML string.
// GET /login is a bare static page padded to BASELINE_LOGIN_BYTES (Logon's size).
// GET /auth/verify is the bare answer a forward-auth sub-request gets: 200, no body,
// Logon's headers with values of the same sizes, and nothing looked up.
// Env: DATABASE_URL, PORT, BASELINE_LOGIN_BYTES.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!)

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head><body>${body}</body></html>`
}

function send(res: ServerResponse, status: number, html: string) {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' })
  res.end(html)
}

const loginHtml = (() => {
  const html = page('Sign in', '<h1>Sign in</h1><form method="post" action="/login"></form>')
  const size = Number(process.env.BASELINE_LOGIN_BYTES ?? 0)
  return html + ' '.repeat(Math.max(0, size - Buffer.byteLength(html)))
})()

/** The signed-in user's name, or null: one query, sha256 of the secret compared in constant time. */
async function signedInUser(cookieHeader: string | undefined): Promise<string | null> {
  const token = /(?:^|;\s*)session=([^;]*)/.exec(cookieHeader ?? '')?.[1]
  const [id, secret] = token?.split('.') ?? []
  if (!id || !secret) return null
  const { rows } = await pool.query(
    `SELECT s.secret_hash, s.expires_at, u.username
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
    [id],
  )
  const row = rows[0]
  if (!row || row.expires_at <= new Date()) return null
  const hash = createHash('sha256').update(secret).digest()
  return timingSafeEqual(hash, row.secret_hash) ? row.username : null
}

async function home(cookieHeader: string | undefined, after: string | null): Promise<string> {
  const username = await signedInUser(cookieHeader)
  if (!username) return page('Logon', '<p><a href="/login">Sign in</a></p>')
  const { rows } = await pool.query(
    `SELECT id, username, created_at FROM users
      WHERE ($1::bigint IS NULL OR id < $1) ORDER BY id DESC LIMIT 50`,
    [after],
  )
  const items = rows
    .map((m) => `<li>${escape(m.username)} <time>${m.created_at.toISOString()}</time></li>`)
    .join('')
  return page('Logon', `<p>Signed in as ${escape(username)}</p><ul>${items}</ul>`)
}

// Sizes as Logon's: a seeded name ("member00001") and a 20-character session id.
const verifiedHeaders = {
  'cache-control': 'no-store',
  vary: 'Cookie',
  'x-logon-user': 'member00001',
  'x-logon-session': 'x'.repeat(20),
}

createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (req.method === 'GET' && url.pathname === '/auth/verify') {
    res.writeHead(200, verifiedHeaders)
    return res.end()
  }
  if (req.method === 'GET' && url.pathname === '/login') return send(res, 200, loginHtml)
  if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, 'ok')
  if (req.method !== 'GET' || url.pathname !== '/') return send(res, 404, 'Not found')
  const after = url.searchParams.get('after')
  home(req.headers.cookie, after && /^\d{1,15}$/.test(after) ? after : null).then(
    (html) => send(res, 200, html),
    () => send(res, 500, 'Server error'),
  )
}).listen(Number(process.env.PORT ?? 3001), '127.0.0.1')
