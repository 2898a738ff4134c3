import type { Queryable, Transaction } from '../db/database.js'
import { deleteUser, insertUser, type Member } from './users.js'

// The members: the list of the home page, what this instance keeps of it, and the
// verbs that add and remove accounts, which drop the kept pages themselves, so this
// instance's pages change at once; other instances hear through the change feed (and
// the legacy import, another process, reaches the pages only that way).

export const MEMBERS_PAGE_SIZE = 50

export interface MembersPage {
  readonly members: readonly Member[]
  readonly nextAfterId: number | null
}

/** Where pages of members are kept, keyed by the `after` id (0 for the first page): a FreshCache. */
export interface KnownMemberPages {
  get(afterId: number): MembersPage | undefined
  generation(): number
  set(afterId: number, page: MembersPage, readAtGeneration: number): void
  clear(): void
}

/**
 * One page of members, newest first, paged by key: the cost of a page
 * does not grow with the number of members, and there is no COUNT(*). A page kept
 * in `known` is answered without a query; pages are shared, so never changed.
 */
export async function listMembers(
  db: Queryable,
  { afterId, known }: { afterId?: number | undefined; known?: KnownMemberPages } = {},
): Promise<MembersPage> {
  const key = afterId ?? 0
  const kept = known?.get(key)
  if (kept) return kept
  const generation = known?.generation() ?? 0
  const rows = await db.query<{ id: number; username: string; created_at: Date }>(
    `SELECT id, username, created_at FROM users
      WHERE ($1::bigint IS NULL OR id < $1)
      ORDER BY id DESC
      LIMIT $2`,
    [afterId ?? null, MEMBERS_PAGE_SIZE + 1],
  )
  const members = rows
    .slice(0, MEMBERS_PAGE_SIZE)
    .map((row) => Object.freeze({ id: row.id, username: row.username, createdAt: row.created_at }))
  const nextAfterId = rows.length > MEMBERS_PAGE_SIZE ? members[members.length - 1]!.id : null
  const page = Object.freeze({ members: Object.freeze(members), nextAfterId })
  known?.set(key, page, generation)
  return page
}

export interface Members {
  page(afterId?: number): Promise<MembersPage>
  /** insertUser (inside `tx` when given), and the kept pages go (once it commits). */
  add(input: Parameters<typeof insertUser>[1], tx?: Transaction): ReturnType<typeof insertUser>
  /**
   * deleteUser inside `tx` (its sessions go with it, by cascade: end them through the
   * session service in the same transaction), and the kept pages go once it commits.
   */
  remove(tx: Transaction, user: Parameters<typeof deleteUser>[1]): Promise<boolean>
}

export function createMembers({ db, known }: { db: Queryable; known?: KnownMemberPages }): Members {
  const changed = () => known?.clear()
  return {
    page: (afterId) => listMembers(db, { afterId, known }),
    async add(input, tx) {
      const inserted = await insertUser(tx ?? db, input)
      if (inserted.ok) {
        if (tx) tx.afterCommit(changed)
        else changed()
      }
      return inserted
    },
    async remove(tx, user) {
      const removed = await deleteUser(tx, user)
      if (removed) tx.afterCommit(changed)
      return removed
    },
  }
}
