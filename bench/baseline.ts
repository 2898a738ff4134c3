import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type ServerResponse } from 'node:http'
import pg from 'pg'
import type { BaselinePages, Template } from './baseline-pages.js'

// The baseline of `npm run bench`: a careful straightforward implementation, with
// node:http and a pg pool, no framework and nothing kept in memory. It sends the same
// bytes as Logon: Logon's page and headers, taken from Logon's answer in the same run
// (bench/baseline-pages.ts, in the file BASELINE_PAGES names), filled on each request.
// - Signed-in GET /: two round trips over named prepared statements (the session
//   joined to its user, expiry checked by PostgreSQL; then the 51 newest members),
//   with the dates as the database writes them, so no Date is parsed or formatted
//   (only their characters moved into Logon's forms); a fresh anti-forgery value of
//   the length of Logon's token.
// - GET /login: the page with a fresh anti-forgery value in the form and in a cookie,
//   for every visitor, of the lengths of Logon's.
// - GET /auth/verify: the bare answer a forward-auth sub-request gets: 200, no body,
//   Logon's headers with values of the same sizes, and nothing looked up.
// Env: DATABASE_URL, PORT, BASELINE_PAGES.

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 })
const pages: BaselinePages = process.env.BASELINE_PAGES
  ? (JSON.parse(readFileSync(process.env.BASELINE_PAGES, 'utf8')) as BaselinePages)
  : { headers: {} }

const SESSION_USER = {
  name: 'session-user',
  text: `SELECT s.secret_hash, u.username
           FROM sessions s JOIN users u ON u.id = s.user_id
          WHERE s.id = $1 AND s.expires_at > now()`,
}
// 51: the 51st says whether there is a next page. created_at as PostgreSQL writes a
// timestamp in UTC ('2026-03-04 05:06:07.89'), as text: pg parses no Date from it.
// Two statements, not one with `$1 IS NULL OR id < $1`: after five runs a named
// statement may get a generic plan, which cannot turn that condition into an index
// range and walks the index from the newest member down to the cursor (a deep page
// of a million members: 200 ms a query instead of 0.06, EXPLAIN ANALYZE here).
const MEMBERS_COLUMNS = `id, username, (created_at AT TIME ZONE 'UTC')::text AS created_at`
const FIRST_MEMBERS = {
  name: 'first-members',
  text: `SELECT ${MEMBERS_COLUMNS} FROM users ORDER BY id DESC LIMIT 51`,
}
const MEMBERS_AFTER = {
  name: 'members-after',
  text: `SELECT ${MEMBERS_COLUMNS} FROM users WHERE id < $1 ORDER BY id DESC LIMIT 51`,
}
const PAGE_SIZE = 50

// Logon's two forms of a date, rearranged from the database's text: no Date made, no
// Intl (to_char in PostgreSQL costs more, about 1.5 µs a call here). '2026-03-04
// 05:06:07.89' → '2026-03-04T05:06:07.890Z' (milliseconds truncated, as a Date
// does) and 'Mar 4, 2026' (Logon's English medium date).
const MONTHS = 'Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec'.split(' ')
const isoOf = (t: string) =>
  `${t.slice(0, 10)}T${t.slice(11, 19)}.${`${t.slice(20)}000`.slice(0, 3)}Z`
const dayOf = (t: string) =>
  `${MONTHS[Number(t.slice(5, 7)) - 1]} ${Number(t.slice(8, 10))}, ${t.slice(0, 4)}`

const escapes: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}
const escape = (text: string) => text.replace(/[&<>"']/g, (c) => escapes[c]!)

function fill(template: Template, values: Record<string, string>): string {
  let out = template[0]!
  for (let i = 1; i < template.length; i += 2) out += values[template[i]!]! + template[i + 1]!
  return out
}

const randomText = (length: number) =>
  randomBytes(Math.ceil((length * 3) / 4))
    .toString('base64url')
    .slice(0, length)

function send(res: ServerResponse, status: number, html: string, cookie?: string) {
  const headers: Record<string, string> = { ...pages.headers, 'x-request-id': randomUUID() }
  if (cookie) headers['set-cookie'] = cookie
  res.writeHead(status, headers)
  res.end(html)
}

/** The signed-in user's name, or null: sha256 of the secret compared in constant time. */
async function signedInUser(cookieHeader: string | undefined): Promise<string | null> {
  const token = /(?:^|;\s*)session=([^;]*)/.exec(cookieHeader ?? '')?.[1]
  const [id, secret] = token?.split('.') ?? []
  if (!id || !secret) return null
  const { rows } = await pool.query<{ secret_hash: Buffer; username: string }>({
    ...SESSION_USER,
    values: [id],
  })
  const row = rows[0]
  if (!row) return null
  const hash = createHash('sha256').update(secret).digest()
  return timingSafeEqual(hash, row.secret_hash) ? row.username : null
}

async function home(url: string, cookieHeader: string | undefined, after: string | null) {
  const template = pages.home
  if (!template) throw new Error('no BASELINE_PAGES home page')
  const username = await signedInUser(cookieHeader)
  if (!username) return null
  const { rows } = await pool.query<{ id: string; username: string; created_at: string }>(
    after === null ? FIRST_MEMBERS : { ...MEMBERS_AFTER, values: [after] },
  )
  let members = ''
  for (const row of rows.slice(0, PAGE_SIZE)) {
    const [name, iso, day] = [escape(row.username), isoOf(row.created_at), dayOf(row.created_at)]
    members += fill(template.item, { name, iso, day })
  }
  const next = rows.length > PAGE_SIZE ? rows[PAGE_SIZE - 1]!.id : null
  const pager = `${after === null ? '' : template.firstLink} ${next === null ? '' : fill(template.nextLink, { after: next })}`
  return fill(template.page, {
    name: escape(username),
    token: randomText(template.tokenLength),
    members,
    pager,
    here: encodeURIComponent(url),
  })
}

// Sizes as Logon's: a seeded name ("member00001") and a 20-character session id.
const verifiedHeaders = {
  'cache-control': 'no-store',
  vary: 'Cookie',
  'x-logon-user': 'member00001',
  'x-logon-session': 'x'.repeat(20),
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost')
  if (req.method === 'GET' && url.pathname === '/auth/verify') {
    res.writeHead(200, verifiedHeaders)
    return res.end()
  }
  if (req.method === 'GET' && url.pathname === '/healthz') return send(res, 200, 'ok')
  if (req.method === 'GET' && url.pathname === '/login' && pages.login) {
    const { page, tokenLength, cookie } = pages.login
    const value = `${cookie.name}=${randomText(cookie.valueLength)}${cookie.attributes}`
    return send(res, 200, fill(page, { token: randomText(tokenLength) }), value)
  }
  if (req.method !== 'GET' || url.pathname !== '/') return send(res, 404, 'Not found')
  const after = url.searchParams.get('after')
  home(req.url ?? '/', req.headers.cookie, after && /^\d{1,15}$/.test(after) ? after : null).then(
    // Signed out: an error status, so that a cookie the baseline refuses shows in the table.
    (html) => (html === null ? send(res, 401, 'Signed out') : send(res, 200, html)),
    () => send(res, 500, 'Server error'),
  )
})
// Logon's (Fastify's default), so that the Keep-Alive header has the same bytes.
server.keepAliveTimeout = 72_000
server.listen(Number(process.env.PORT ?? 3001), '127.0.0.1')
// A clean exit, so that node --cpu-prof writes its profile when the bench stops it.
process.once('SIGTERM', () => process.exit(0))
