import { fillUsernameSkeletons } from '../auth/fill-username-skeletons.js'
import { hashPassword } from '../auth/passwords.js'
import { absoluteExpiry } from '../auth/session-lifetime.js'
import { generateSessionTokens, hashSessionSecret } from '../auth/tokens.js'
import { usernameSkeleton } from '../auth/username-skeleton.js'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { defineCommand, UsageError, type CommandContext } from './command.js'

// `logon seed --members N [--sessions M]`: filler accounts (and sessions) for
// benchmarks and trying the pages out, in the database the server uses
// (DATABASE_URL, or the embedded one in DATA_DIR, locked as the server locks it).
// One password is hashed once and shared by every filler account; rows are made by
// set-based SQL (INSERT … SELECT over arrays of names), so a million members take
// seconds. Each name's skeleton is computed here, by registration's function.

const USAGE = `Usage: logon seed --members N [--sessions M] [--password P]

Adds N filler members named member0000001, member0000002, … (numbering continues
after the members already seeded), all with the same password, and M sessions spread
over the seeded members (valid tokens whose secrets are random and not kept: they only
fill the sessions table). Writes to the database the server uses: DATABASE_URL, or the
embedded one in DATA_DIR (stop the server first).

  --members N    members to add (0 or more)
  --sessions M   sessions to add (default 0)
  --password P   the password of every filler member (default ${'"'}member-password-1234")
  --help         this text
`

const DEFAULT_PASSWORD = 'member-password-1234'
// Rows per statement: big enough to be fast, small enough for PGlite's memory.
const CHUNK = 100_000
const MEMBER_KEY = '^member[0-9]+$'

interface Options {
  members: number
  sessions: number
  password: string
}

function count(name: string, value: string | undefined): number {
  if (value === undefined) return 0
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} must be a whole number`)
  return Number(value)
}

/** One statement without the request timeouts (a big chunk may take seconds). */
async function bulk(db: Database, sql: string, params: unknown[]): Promise<void> {
  await db.transaction(
    async (tx) => {
      await tx.exec('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0')
      await tx.query(sql, params)
    },
    { timeoutMs: 10 * 60_000 },
  )
}

async function seedMembers(db: Database, members: number, passwordHash: string) {
  const [last] = await db.query<{ n: number }>(
    `SELECT coalesce(max(substring(username_key FROM 7)::int), 0) AS n
       FROM users WHERE username_key ~ '${MEMBER_KEY}'`,
  )
  const first = (last?.n ?? 0) + 1
  const end = first + members // exclusive
  for (let from = first; from < end; from += CHUNK) {
    const to = Math.min(end, from + CHUNK) - 1
    const names = Array.from({ length: to - from + 1 }, (_, i) => memberName(from + i))
    // created_at one millisecond apart, the newest now: ids and dates both increase.
    // A name taken (or looked like) by an account already there is left out.
    await bulk(
      db,
      `INSERT INTO users (username, username_key, username_skeleton, password_hash, created_at)
       SELECT name, name, skeleton, $3, now() - ($4 - ($5 + i - 1)) * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given (name, skeleton, i)
       ON CONFLICT DO NOTHING`,
      [names, names.map(usernameSkeleton), passwordHash, end - 1, from],
    )
  }
}

/** member0000001: lower case ASCII, so the name is its own key. */
function memberName(n: number): string {
  return `member${String(n).padStart(7, '0')}`
}

async function seedSessions(db: Database, sessions: number, config: Config) {
  // Times as sign-in sets them (src/auth/sessions.ts): one `now` for every seeded
  // session, its absolute limit by absoluteExpiry, passed to each chunk as two values.
  const now = new Date()
  const expiresAt = absoluteExpiry(now, false, config.session)
  for (let done = 0; done < sessions; done += CHUNK) {
    const size = Math.min(CHUNK, sessions - done)
    // Tokens made as sign-in makes them (src/auth/tokens.ts). Only the id and the hash
    // are stored, the hash in hex (a text array, which both engines take alike); the
    // secret is kept by nobody.
    const tokens = generateSessionTokens(size)
    await bulk(
      db,
      `WITH members AS (
         SELECT array_agg(id ORDER BY id) AS ids FROM users WHERE username_key ~ '${MEMBER_KEY}')
       INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at,
                             remember, user_agent, ip)
       SELECT id, decode(hash, 'hex'), ids[1 + (n - 1 + $3::int) % cardinality(ids)],
              $1::timestamptz, $1::timestamptz, $2::timestamptz, false, 'seed', NULL
         FROM unnest($4::text[], $5::text[]) WITH ORDINALITY AS made (id, hash, n)
              CROSS JOIN members`,
      [
        now,
        expiresAt,
        done,
        tokens.map((t) => t.id),
        tokens.map((t) => hashSessionSecret(t.secret).toString('hex')),
      ],
    )
  }
}

async function run(options: Options, { config, openDatabase }: CommandContext): Promise<number> {
  const started = performance.now()
  const { db } = await openDatabase({ poolSize: 2 })
  await fillUsernameSkeletons(db)
  if (options.sessions > 0 && options.members === 0) {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE username_key ~ '${MEMBER_KEY}'`,
    )
    if (!row?.n) throw new UsageError('--sessions needs seeded members: add --members N')
  }
  const hashStarted = performance.now()
  const passwordHash = await hashPassword(options.password, config.passwordHash)
  const hashMs = performance.now() - hashStarted
  const membersStarted = performance.now()
  await seedMembers(db, options.members, passwordHash)
  const membersMs = performance.now() - membersStarted
  const sessionsStarted = performance.now()
  await seedSessions(db, options.sessions, config)
  const sessionsMs = performance.now() - sessionsStarted
  const [totals] = await db.query<{ users: number; sessions: number }>(
    'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM sessions) AS sessions',
  )
  const where = config.databaseUrl ? 'DATABASE_URL' : `DATA_DIR ${config.dataDir}`
  process.stdout.write(
    `Seeded ${options.members} members (password "${options.password}") and ` +
      `${options.sessions} sessions into ${db.engine} (${where}).\n` +
      `Now ${totals?.users} users and ${totals?.sessions} sessions. ` +
      `Hash ${hashMs.toFixed(0)} ms, members ${membersMs.toFixed(0)} ms, ` +
      `sessions ${sessionsMs.toFixed(0)} ms, total ${(performance.now() - started).toFixed(0)} ms.\n`,
  )
  return 0
}

export const seedCommand = defineCommand({
  name: 'logon seed',
  summary: 'add filler members and sessions (benchmarks, trying the pages)',
  usage: USAGE,
  options: {
    members: { type: 'string' },
    sessions: { type: 'string' },
    password: { type: 'string', default: DEFAULT_PASSWORD },
  },
  check(values): Options {
    if (values.members === undefined) throw new UsageError('missing --members N')
    return {
      members: count('members', values.members),
      sessions: count('sessions', values.sessions),
      password: values.password,
    }
  },
  run,
})
