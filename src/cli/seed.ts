import { fillUsernameSkeletons } from '../auth/fill-username-skeletons.js'
import { hashPassword } from '../auth/passwords.js'
import { absoluteExpiry } from '../auth/session-lifetime.js'
import { generateSessionTokens, hashSessionSecret } from '../auth/tokens.js'
import { usernameSkeleton } from '../auth/username-skeleton.js'
import type { Config } from '../config.js'
import type { Database } from '../db/database.js'
import { defineCommand, EXIT, UsageError, type CommandContext } from './command.js'
import { stopOnSignals, stopRequested } from './interruption.js'
import { progressLine } from './progress.js'

// `logon seed --members N [--sessions M]`: filler accounts (and sessions) for
// benchmarks and trying the pages out, in the database the server uses
// (DATABASE_URL, or the embedded one in DATA_DIR, locked as the server locks it).
// One password is hashed once and shared by every filler account; rows are made by
// set-based SQL (INSERT … SELECT over arrays of names), so a million members take
// seconds. Each name's skeleton is computed here, by registration's function. Each
// chunk is a transaction of its own, and Ctrl-C stops between two: what was added
// is whole chunks.

// Rows per statement (the default): big enough to be fast, small enough for PGlite's memory.
const CHUNK = 100_000

const USAGE = `Usage: logon seed --members N [--sessions M] [--password P] [--chunk-size C]

Adds N filler members named member0000001, member0000002, … (numbering continues
after the members already seeded), all with the same password, and M sessions spread
over the seeded members (valid tokens whose secrets are random and not kept: they only
fill the sessions table). Writes to the database the server uses: DATABASE_URL, or the
embedded one in DATA_DIR (stop the server first). Rows go in C at a time, each chunk
in a transaction of its own; Ctrl-C stops after the chunk in progress (exit 130).

  --members N      members to add (0 or more)
  --sessions M     sessions to add (default 0)
  --password P     the password of every filler member (default ${'"'}member-password-1234")
  --chunk-size C   rows per transaction (default ${CHUNK})
  --help           this text
`

const NAME = 'logon seed'
const DEFAULT_PASSWORD = 'member-password-1234'
const MEMBER_KEY = '^member[0-9]+$'

interface Options {
  members: number
  sessions: number
  password: string
  chunk: number
}

/** Where a run has got, and how it is asked to stop. */
interface Seeding {
  chunk: number
  signal: AbortSignal
  /** After each chunk, with the rows it added. */
  onChunk: (rows: number) => void
}

function count(name: string, value: string | undefined): number {
  if (value === undefined) return 0
  if (!/^\d{1,9}$/.test(value)) throw new UsageError(`--${name} must be a whole number`)
  return Number(value)
}

function chunkSize(value: string | undefined): number {
  if (value === undefined) return CHUNK
  if (!/^[1-9]\d{0,6}$/.test(value)) {
    throw new UsageError('--chunk-size must be a whole number from 1 to 9999999')
  }
  return Number(value)
}

/**
 * One INSERT in a transaction of its own, without the request timeouts (a big chunk
 * may take seconds); the rows it added.
 */
async function bulk(db: Database, insert: string, params: unknown[]): Promise<number> {
  return db.transaction(
    async (tx) => {
      await tx.exec('SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0')
      const [row] = await tx.query<{ n: number }>(
        `WITH added AS (${insert} RETURNING 1) SELECT count(*) AS n FROM added`,
        params,
      )
      return Number(row?.n ?? 0)
    },
    { timeoutMs: 10 * 60_000 },
  )
}

/** The members added, in whole chunks: fewer when stopped or when names were taken. */
async function seedMembers(
  db: Database,
  members: number,
  passwordHash: string,
  { chunk, signal, onChunk }: Seeding,
): Promise<number> {
  const [last] = await db.query<{ n: number }>(
    `SELECT coalesce(max(substring(username_key FROM 7)::int), 0) AS n
       FROM users WHERE username_key ~ '${MEMBER_KEY}'`,
  )
  const first = (last?.n ?? 0) + 1
  const end = first + members // exclusive
  let added = 0
  for (let from = first; from < end; from += chunk) {
    if (await stopRequested(signal)) break
    const to = Math.min(end, from + chunk) - 1
    const names = Array.from({ length: to - from + 1 }, (_, i) => memberName(from + i))
    // created_at one millisecond apart, the newest now: ids and dates both increase.
    // A name taken (or looked like) by an account already there is left out.
    const rows = await bulk(
      db,
      `INSERT INTO users (username, username_key, username_skeleton, password_hash, created_at)
       SELECT name, name, skeleton, $3, now() - ($4 - ($5 + i - 1)) * interval '1 millisecond'
         FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS given (name, skeleton, i)
       ON CONFLICT DO NOTHING`,
      [names, names.map(usernameSkeleton), passwordHash, end - 1, from],
    )
    added += rows
    onChunk(to - from + 1)
  }
  return added
}

/** member0000001: lower case ASCII, so the name is its own key. */
function memberName(n: number): string {
  return `member${String(n).padStart(7, '0')}`
}

/** The sessions added, in whole chunks: fewer when stopped. */
async function seedSessions(
  db: Database,
  sessions: number,
  config: Config,
  { chunk, signal, onChunk }: Seeding,
): Promise<number> {
  // Times as sign-in sets them (src/auth/sessions.ts): one `now` for every seeded
  // session, its absolute limit by absoluteExpiry, passed to each chunk as two values.
  const now = new Date()
  const expiresAt = absoluteExpiry(now, false, config.session)
  let added = 0
  for (let done = 0; done < sessions; done += chunk) {
    if (await stopRequested(signal)) break
    const size = Math.min(chunk, sessions - done)
    // Tokens made as sign-in makes them (src/auth/tokens.ts). Only the id and the hash
    // are stored, the hash in hex (a text array, which both engines take alike); the
    // secret is kept by nobody.
    const tokens = generateSessionTokens(size)
    added += await bulk(
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
    onChunk(size)
  }
  return added
}

async function run(options: Options, { config, openDatabase }: CommandContext): Promise<number> {
  const started = performance.now()
  const stop = stopOnSignals(NAME, 'stopping after the chunk in progress')
  const { db } = await openDatabase({ poolSize: 2 })
  await fillUsernameSkeletons(db)
  if (options.sessions > 0 && options.members === 0) {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM users WHERE username_key ~ '${MEMBER_KEY}'`,
    )
    if (!row?.n) throw new UsageError('--sessions needs seeded members: add --members N')
  }
  const progress = progressLine({ label: NAME, unit: 'rows' })
  const total = options.members + options.sessions
  let done = 0
  const seeding = (what: string): Seeding => ({
    chunk: options.chunk,
    signal: stop.signal,
    onChunk: (rows) => progress.update((done += rows), total, what),
  })
  const hashStarted = performance.now()
  const passwordHash = await hashPassword(options.password, config.passwordHash)
  const hashMs = performance.now() - hashStarted
  const membersStarted = performance.now()
  const members = await seedMembers(db, options.members, passwordHash, seeding('members'))
  const membersMs = performance.now() - membersStarted
  const sessionsStarted = performance.now()
  const sessions = await seedSessions(db, options.sessions, config, seeding('sessions'))
  const sessionsMs = performance.now() - sessionsStarted
  progress.end()
  const [totals] = await db.query<{ users: number; sessions: number }>(
    'SELECT (SELECT count(*)::int FROM users) AS users, (SELECT count(*)::int FROM sessions) AS sessions',
  )
  const where = config.databaseUrl ? 'DATABASE_URL' : `DATA_DIR ${config.dataDir}`
  process.stdout.write(
    `Seeded ${members} members (password "${options.password}") and ` +
      `${sessions} sessions into ${db.engine} (${where}).\n` +
      `Now ${totals?.users} users and ${totals?.sessions} sessions. ` +
      `Hash ${hashMs.toFixed(0)} ms, members ${membersMs.toFixed(0)} ms, ` +
      `sessions ${sessionsMs.toFixed(0)} ms, total ${(performance.now() - started).toFixed(0)} ms.\n`,
  )
  if (stop.received) {
    process.stderr.write(
      `${NAME}: stopped by ${stop.received}: kept the ${members} members and ${sessions} ` +
        `sessions added, in whole chunks of at most ${options.chunk} (each chunk is one ` +
        'transaction); run it again to add more\n',
    )
    return EXIT.interrupted
  }
  return EXIT.ok
}

export const seedCommand = defineCommand({
  name: NAME,
  summary: 'add filler members and sessions (benchmarks, trying the pages)',
  usage: USAGE,
  options: {
    members: { type: 'string' },
    sessions: { type: 'string' },
    password: { type: 'string', default: DEFAULT_PASSWORD },
    'chunk-size': { type: 'string' },
  },
  check(values): Options {
    if (values.members === undefined) throw new UsageError('missing --members N')
    return {
      members: count('members', values.members),
      sessions: count('sessions', values.sessions),
      password: values.password,
      chunk: chunkSize(values['chunk-size']),
    }
  },
  run,
})
