import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { en } from '../src/i18n/en.js'
import { tmp } from './children.js'

// The baseline sends the same bytes as Logon: Logon's page, taken from its answer
// just before the baseline is measured, becomes a template the baseline fills from
// its own queries on every request (the signed-in name, the 50 members, the pager,
// a fresh anti-forgery value), with Logon's response headers. Each baseline answer
// is then checked against Logon's (samePage), so a change in Logon's markup that
// this file does not follow stops the run instead of skewing it.

/** An answer as a measurement saw it: the first one checked before the load. */
export interface CapturedPage {
  status: number
  /** Lower-case names; Set-Cookie apart, in `setCookies`. */
  headers: Record<string, string>
  setCookies: string[]
  body: string
}

/**
 * A template: literal text at even indexes, a slot's name at odd ones (filled by
 * bench/baseline.ts). Made by splitting on SLOT, a character no page holds.
 */
export type Template = string[]
const SLOT = '\u0000'
const slot = (name: string) => `${SLOT}${name}${SLOT}`

/** What bench/baseline.ts reads from the file named by BASELINE_PAGES. */
export interface BaselinePages {
  /** Logon's headers but those node:http writes itself and x-request-id (made per answer). */
  headers: Record<string, string>
  home?: {
    /** Slots: name, token, members, pager, here (the path, URL-encoded). */
    page: Template
    /** One member: name, iso, day. */
    item: Template
    /** The pager's links, from Logon's catalog; nextLink's slot: after. */
    firstLink: string
    nextLink: Template
    tokenLength: number
  }
  login?: {
    /** Slot: token. */
    page: Template
    tokenLength: number
    /** A new visitor's anti-forgery cookie: its name, value length, attributes. */
    cookie: { name: string; valueLength: number; attributes: string }
  }
}

// Written by node:http for each answer (or by Logon per request), not copied.
const OWN_HEADERS = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'transfer-encoding',
  'x-request-id',
])

const notFound = (what: string, path: string) =>
  new Error(
    `Logon's page at ${path} has no ${what}: bench/baseline-pages.ts must follow its markup`,
  )

function cut(html: string, pattern: RegExp, what: string, path: string): RegExpExecArray {
  const match = pattern.exec(html)
  if (!match) throw notFound(what, path)
  return match
}

const template = (text: string): Template => text.split(SLOT)

function homeTemplate(page: CapturedPage, path: string): BaselinePages['home'] {
  let html = page.body
  const list = cut(html, /(<ol class="members">)([\s\S]*?)(<\/ol>)/, 'members list', path)
  const [li = ''] = /<li>[\s\S]*?<\/li>/.exec(list[2] ?? '') ?? []
  const name = cut(li, /<span class="member-name">([^<]*)<\/span>/, 'member name', path)[1]!
  const iso = cut(li, /datetime="([^"]*)"/, "member's datetime", path)[1]!
  const day = cut(li, /<time[^>]*>([^<]*)<\/time>/, "member's date", path)[1]!
  const item = li
    .replace(`"member-name">${name}<`, `"member-name">${slot('name')}<`)
    .replace(`datetime="${iso}"`, `datetime="${slot('iso')}"`)
    .replace(`>${day}</time>`, `>${slot('day')}</time>`)
  html = html.replace(list[0], `${list[1]}${slot('members')}${list[3]}`)
  const pager = cut(html, /(<nav[^>]*class="pager">)([\s\S]*?)(<\/nav>)/, 'pager', path)
  html = html.replace(pager[0], `${pager[1]}${slot('pager')}${pager[3]}`)
  const token = cut(html, /name="_csrf" value="([^"]*)"/, 'anti-forgery token', path)[1]!
  html = html.replace(`value="${token}"`, `value="${slot('token')}"`)
  const here = `?next=${encodeURIComponent(path)}"`
  if (!html.includes(here)) throw notFound('language link to this page', path)
  html = html.replaceAll(here, `?next=${slot('here')}"`)
  const user = cut(html, /data-signed-in-as="([^"]*)"/, 'signed-in name', path)[1]!
  html = html.replaceAll(user, slot('name'))
  return {
    page: template(html),
    item: template(item),
    firstLink: `<a href="/">${en['home.first']}</a>`,
    nextLink: template(`<a href="/?after=${slot('after')}" rel="next">${en['home.next']}</a>`),
    tokenLength: token.length,
  }
}

function loginTemplate(page: CapturedPage, path: string): BaselinePages['login'] {
  const token = cut(page.body, /name="_csrf" value="([^"]*)"/, 'anti-forgery token', path)[1]!
  const [cookie] = page.setCookies
  const parts = cookie ? /^([^=]+)=([^;]*)(.*)$/.exec(cookie) : null
  if (!parts) throw new Error(`Logon's ${path} set no anti-forgery cookie for a new visitor`)
  return {
    page: template(page.body.replace(`value="${token}"`, `value="${slot('token')}"`)),
    tokenLength: token.length,
    cookie: { name: parts[1]!, valueLength: parts[2]!.length, attributes: parts[3]! },
  }
}

/**
 * The baseline's environment for serving `path` as Logon just did: BASELINE_PAGES,
 * a file holding the template for the signed-in home page or the sign-in page (other
 * paths, such as /auth/verify, keep the baseline's own answer: none is added).
 */
export function baselinePagesEnv(page: CapturedPage, path: string): Record<string, string> {
  const { pathname } = new URL(path, 'http://localhost')
  const pages: BaselinePages = {
    headers: Object.fromEntries(
      Object.entries(page.headers).filter(([name]) => !OWN_HEADERS.has(name)),
    ),
  }
  if (pathname === '/') pages.home = homeTemplate(page, path)
  else if (pathname === '/login') pages.login = loginTemplate(page, path)
  else return {}
  const file = join(tmp, `baseline-pages-${randomBytes(4).toString('hex')}.json`)
  writeFileSync(file, JSON.stringify(pages))
  return { BASELINE_PAGES: file }
}

const maskTokens = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf"')

/**
 * Where the baseline's answer differs from Logon's, or null: the body byte for byte
 * but for the anti-forgery tokens (new on every page, on both sides), and with
 * `digitsDiffer` (another database: ids and dates of other rows) every digit too; the
 * same header names, but those node:http writes itself.
 */
export function pageDifference(
  logon: CapturedPage,
  baseline: CapturedPage,
  { digitsDiffer = false } = {},
): string | null {
  const names = (page: CapturedPage) =>
    [...Object.keys(page.headers), ...(page.setCookies.length ? ['set-cookie'] : [])]
      .filter((name) => !OWN_HEADERS.has(name))
      .sort()
      .join(', ')
  if (names(logon) !== names(baseline)) {
    return `headers: Logon's ${names(logon)}; the baseline's ${names(baseline)}`
  }
  const normal = (html: string) => {
    const masked = maskTokens(html)
    return digitsDiffer ? masked.replace(/\d/g, '0') : masked
  }
  const [a, b] = [normal(logon.body), normal(baseline.body)]
  if (a === b) return null
  let at = 0
  while (a[at] === b[at]) at++
  return `body at character ${at}: Logon's "${a.slice(at, at + 60)}", the baseline's "${b.slice(at, at + 60)}"`
}
