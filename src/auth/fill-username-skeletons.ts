import { isUniqueViolation, type Queryable } from '../db/database.js'
import { usernameSkeleton } from './username-skeleton.js'

// Fills users.username_skeleton where it is NULL (migration 0009): every account made
// before the column, and any an older instance still makes during a rolling update.
// Run at every start after the migrations, and by the commands that write accounts.
// An account whose skeleton another one already holds is left NULL and reported: it
// keeps working (signs in, is listed) and is never refused at start; the earlier
// account (lower id) keeps the skeleton, so new look-alikes of it are refused.

const BATCH = 1000

export interface LookAlikeAccount {
  id: number
  username: string
  skeleton: string
}

export interface SkeletonFill {
  /** Accounts that got their skeleton now. */
  filled: number
  /** Accounts left without one: their skeleton belongs to another account. */
  lookAlikes: LookAlikeAccount[]
}

export async function fillUsernameSkeletons(db: Queryable): Promise<SkeletonFill> {
  const result: SkeletonFill = { filled: 0, lookAlikes: [] }
  let afterId = 0
  for (;;) {
    const rows = await db.query<{ id: number; username: string; username_key: string }>(
      `SELECT id, username, username_key FROM users
        WHERE username_skeleton IS NULL AND id > $1
        ORDER BY id LIMIT $2`,
      [afterId, BATCH],
    )
    if (rows.length === 0) return result
    afterId = Number(rows[rows.length - 1]!.id)
    const pending = rows.map((row) => ({
      id: Number(row.id),
      username: row.username,
      skeleton: usernameSkeleton(row.username_key),
    }))
    // Two rows of one batch with one skeleton: the first (lower id) may take it.
    const firstOfSkeleton = new Map<string, number>()
    for (const row of pending)
      if (!firstOfSkeleton.has(row.skeleton)) firstOfSkeleton.set(row.skeleton, row.id)
    const candidates = pending.filter((row) => firstOfSkeleton.get(row.skeleton) === row.id)
    const filled = await fillBatch(db, candidates)
    result.filled += filled.size
    for (const row of pending) if (!filled.has(row.id)) result.lookAlikes.push(row)
  }
}

/** The ids that got their skeleton. */
async function fillBatch(db: Queryable, rows: LookAlikeAccount[]): Promise<Set<number>> {
  try {
    return await setSkeletons(db, rows)
  } catch (error) {
    if (!isUniqueViolation(error)) throw error
    // An account registered meanwhile took one of these skeletons (after this
    // statement's snapshot): row by row, so that only that one stays NULL.
    const filled = new Set<number>()
    for (const row of rows) {
      try {
        for (const id of await setSkeletons(db, [row])) filled.add(id)
      } catch (rowError) {
        if (!isUniqueViolation(rowError)) throw rowError
      }
    }
    return filled
  }
}

/** One statement; a skeleton some account already holds is skipped, not an error. */
async function setSkeletons(db: Queryable, rows: LookAlikeAccount[]): Promise<Set<number>> {
  const updated = await db.query<{ id: number }>(
    `UPDATE users SET username_skeleton = given.skeleton
       FROM unnest($1::bigint[], $2::text[]) AS given (id, skeleton)
      WHERE users.id = given.id AND users.username_skeleton IS NULL
        AND NOT EXISTS (SELECT 1 FROM users AS holder WHERE holder.username_skeleton = given.skeleton)
      RETURNING users.id`,
    [rows.map((row) => row.id), rows.map((row) => row.skeleton)],
  )
  return new Set(updated.map((row) => Number(row.id)))
}
