import { usernameKey } from '../../src/auth/usernames.js'
import type { Queryable } from '../../src/db/database.js'

// The statements tests repeat to look behind the app at what the database holds.
// A name is looked up by its key, as the app does: 'Straße' and 'STRASSE' are one.

export interface UserRow {
  id: number
  username: string
  password_hash: string
  password_version: number
}

/** The users row of a name, or undefined when there is none. */
export async function userRow(db: Queryable, name: string): Promise<UserRow | undefined> {
  const [row] = await db.query<UserRow>(
    `SELECT id, username, password_hash, password_version FROM users WHERE username_key = $1`,
    [usernameKey(name)],
  )
  return row
}

export async function userCount(db: Queryable): Promise<number> {
  const [row] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM users')
  return row!.n
}

/**
 * A users row written directly, as an older version or another instance would have
 * left it: no skeleton column is named unless `usernameSkeleton` is given (a schema
 * before migration 0009 has none).
 */
export async function insertUserRow(
  db: Queryable,
  {
    username,
    key = usernameKey(username),
    passwordHash,
    usernameSkeleton,
  }: { username: string; key?: string; passwordHash: string; usernameSkeleton?: string },
): Promise<void> {
  if (usernameSkeleton === undefined) {
    await db.query(
      `INSERT INTO users (username, username_key, password_hash, created_at)
       VALUES ($1, $2, $3, now())`,
      [username, key, passwordHash],
    )
  } else {
    await db.query(
      `INSERT INTO users (username, username_key, username_skeleton, password_hash, created_at)
       VALUES ($1, $2, $3, $4, now())`,
      [username, key, usernameSkeleton, passwordHash],
    )
  }
}

export interface SessionRow {
  id: string
  ip: string | null
  remember: boolean
  last_seen_at: Date
}

/** One session by its id (the part of the cookie before the dot), or undefined. */
export async function sessionRow(db: Queryable, id: string): Promise<SessionRow | undefined> {
  const [row] = await db.query<SessionRow>(
    'SELECT id, ip, remember, last_seen_at FROM sessions WHERE id = $1',
    [id],
  )
  return row
}

/** The sessions of a name's account, oldest first. */
export async function sessionsOf(db: Queryable, name: string): Promise<SessionRow[]> {
  return db.query<SessionRow>(
    `SELECT s.id, s.ip, s.remember, s.last_seen_at
       FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE u.username_key = $1
      ORDER BY s.created_at, s.id`,
    [usernameKey(name)],
  )
}

/** The kinds of a name's security events, oldest first. */
export async function eventKindsOf(db: Queryable, name: string): Promise<string[]> {
  const rows = await db.query<{ kind: string }>(
    `SELECT e.kind FROM auth_events e JOIN users u ON u.id = e.user_id
      WHERE u.username_key = $1 ORDER BY e.id`,
    [usernameKey(name)],
  )
  return rows.map((row) => row.kind)
}

/** How many rows of `table` belong to the account `userId` (after a deletion: none). */
export async function rowsOfUser(
  db: Queryable,
  table: 'users' | 'sessions' | 'auth_events' | 'device_tokens',
  userId: number,
): Promise<number> {
  const column = table === 'users' ? 'id' : 'user_id'
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`,
    [userId],
  )
  return row!.n
}
