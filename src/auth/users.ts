import { isUniqueViolation, type Queryable } from '../db/database.js'
import { usernameSkeleton } from './username-skeleton.js'

export interface User {
  id: number
  username: string
  passwordHash: string
  /** Grows by one at each password change: what a sign-in or change verified. */
  passwordVersion: number
  createdAt: Date
  /** When an operator disabled it (`logon users disable`): it cannot sign in. */
  disabledAt: Date | null
}

export interface Member {
  id: number
  username: string
  createdAt: Date
}

interface UserRow {
  id: number
  username: string
  password_hash: string
  password_version: number
  created_at: Date
  disabled_at: Date | null
}

const USER_COLUMNS = 'id, username, password_hash, password_version, created_at, disabled_at'

/**
 * Inserts a user with the skeleton of its key; a name already taken (after folding)
 * or one that looks like a taken name (the same skeleton) is a value, not an
 * exception. The two UNIQUE constraints decide, never a look-up before the insert:
 * of two registrations racing for look-alike names, the second to commit is refused.
 */
export async function insertUser(
  db: Queryable,
  input: {
    username: string
    usernameKey: string
    passwordHash: string
    now: Date
    /** Set by the legacy import: the account comes from the original app. */
    imported?: boolean
  },
): Promise<{ ok: true; user: User } | { ok: false; code: 'username_taken' }> {
  try {
    const [row] = await db.query<UserRow>(
      `INSERT INTO users (username, username_key, username_skeleton, password_hash, created_at,
                          imported_at)
       VALUES ($1, $2, $3, $4, $5, CASE WHEN $6::boolean THEN $5::timestamptz END)
       RETURNING ${USER_COLUMNS}`,
      [
        input.username,
        input.usernameKey,
        usernameSkeleton(input.usernameKey),
        input.passwordHash,
        input.now,
        input.imported ?? false,
      ],
    )
    return { ok: true, user: toUser(row!) }
  } catch (error) {
    if (isUniqueViolation(error)) return { ok: false, code: 'username_taken' }
    throw error
  }
}

/**
 * Whether an account has this key or this skeleton. Only to word a refusal (a
 * mixed-script look-alike of a taken name is told "taken"); never to decide whether
 * a name may be inserted: the constraints do that.
 */
export async function usernameLooksTaken(
  db: Queryable,
  { key, skeleton }: { key: string; skeleton: string },
): Promise<boolean> {
  const rows = await db.query(
    'SELECT 1 FROM users WHERE username_key = $1 OR username_skeleton = $2 LIMIT 1',
    [key, skeleton],
  )
  return rows.length > 0
}

export async function findUserByUsernameKey(
  db: Queryable,
  usernameKey: string,
): Promise<User | null> {
  const [row] = await db.query<UserRow>(
    `SELECT ${USER_COLUMNS} FROM users WHERE username_key = $1`,
    [usernameKey],
  )
  return row ? toUser(row) : null
}

export async function findUserById(db: Queryable, userId: number): Promise<User | null> {
  const [row] = await db.query<UserRow>(`SELECT ${USER_COLUMNS} FROM users WHERE id = $1`, [userId])
  return row ? toUser(row) : null
}

/**
 * Deletes a user whose password is still the version the caller verified; sessions
 * and events go with it (ON DELETE CASCADE), the name is free again. False when the
 * password changed meanwhile (or the user is gone).
 */
export async function deleteUser(
  db: Queryable,
  { userId, passwordVersion }: { userId: number; passwordVersion: number },
): Promise<boolean> {
  const rows = await db.query(
    'DELETE FROM users WHERE id = $1 AND password_version = $2 RETURNING id',
    [userId, passwordVersion],
  )
  return rows.length > 0
}

/**
 * Sets a new password when the current one is still the version the caller
 * verified, in one conditional statement (compare and set): of two changes racing,
 * only the first to write wins, and the other finds it no longer knows the
 * password. Returns the new version, or null when the version had moved on.
 */
export async function replacePasswordHash(
  db: Queryable,
  {
    userId,
    verifiedVersion,
    passwordHash,
  }: { userId: number; verifiedVersion: number; passwordHash: string },
): Promise<number | null> {
  const [row] = await db.query<{ password_version: number }>(
    `UPDATE users SET password_hash = $3, password_version = password_version + 1
      WHERE id = $1 AND password_version = $2
      RETURNING password_version`,
    [userId, verifiedVersion, passwordHash],
  )
  return row?.password_version ?? null
}

/**
 * Rehashes the same password with the current parameters, only over the hash that
 * was verified: a password changed meanwhile is never overwritten by the old one.
 */
export async function upgradePasswordHash(
  db: Queryable,
  {
    userId,
    verifiedHash,
    passwordHash,
  }: { userId: number; verifiedHash: string; passwordHash: string },
): Promise<boolean> {
  const rows = await db.query(
    'UPDATE users SET password_hash = $3 WHERE id = $1 AND password_hash = $2 RETURNING id',
    [userId, verifiedHash, passwordHash],
  )
  return rows.length > 0
}

function toUser(row: UserRow): User {
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash,
    passwordVersion: row.password_version,
    createdAt: row.created_at,
    disabledAt: row.disabled_at,
  }
}
