import type { Queryable } from '../db/database.js'
import { fillUsernameSkeletons } from './fill-username-skeletons.js'
import { usernameSkeleton } from './username-skeleton.js'
import { lookAlikeProblem } from './usernames.js'

// What `npm run confusable-names` reports: existing accounts that registration would
// refuse today. Such accounts are reported, never changed: they sign in and are
// listed as before; an operator decides (ask the owner to pick another name, or
// delete an impostor). Reading the table costs one page of rows at a time.

const PAGE = 1000

export interface NamedAccount {
  id: number
  username: string
  createdAt: Date
}

export interface LookAlikeGroup {
  /** The account holding the skeleton (the earliest): new look-alikes of it are refused. */
  holder: NamedAccount | undefined
  /** The accounts made before the rule whose names look like the holder's. */
  lookAlikes: NamedAccount[]
}

export interface RefusedName extends NamedAccount {
  code: 'username_mixed_scripts' | 'username_stacked_marks'
}

export interface ConfusableNames {
  accounts: number
  groups: LookAlikeGroup[]
  /** Names that break a look-alike rule; at most `listLimit`, with the full count. */
  refused: RefusedName[]
  refusedCount: number
}

interface AccountRow {
  id: number
  username: string
  username_key: string
  created_at: Date
}

export async function findConfusableNames(
  db: Queryable,
  { listLimit = 100 }: { listLimit?: number } = {},
): Promise<ConfusableNames> {
  // First as the server's start does: what is left NULL afterwards is a look-alike.
  const { lookAlikes } = await fillUsernameSkeletons(db)
  const groups = await groupLookAlikes(db, lookAlikes)
  const refused: RefusedName[] = []
  let refusedCount = 0
  let accounts = 0
  for (let afterId = 0; ;) {
    const rows = await db.query<AccountRow>(
      `SELECT id, username, username_key, created_at FROM users
        WHERE id > $1 ORDER BY id LIMIT $2`,
      [afterId, PAGE],
    )
    if (rows.length === 0) break
    afterId = rows[rows.length - 1]!.id
    accounts += rows.length
    for (const row of rows) {
      const code = lookAlikeProblem(row.username)
      if (!code) continue
      refusedCount += 1
      if (refused.length < listLimit) refused.push({ ...named(row), code })
    }
  }
  return { accounts, groups, refused, refusedCount }
}

async function groupLookAlikes(
  db: Queryable,
  lookAlikes: ReadonlyArray<{ id: number; skeleton: string }>,
): Promise<LookAlikeGroup[]> {
  if (lookAlikes.length === 0) return []
  const rows = await db.query<AccountRow & { username_skeleton: string | null }>(
    `SELECT id, username, username_key, username_skeleton, created_at FROM users
      WHERE id = ANY($1::bigint[]) OR username_skeleton = ANY($2::text[])
      ORDER BY id`,
    [lookAlikes.map((row) => row.id), lookAlikes.map((row) => row.skeleton)],
  )
  const groups = new Map<string, LookAlikeGroup>()
  for (const row of rows) {
    const skeleton = row.username_skeleton ?? usernameSkeleton(row.username_key)
    const group = groups.get(skeleton) ?? { holder: undefined, lookAlikes: [] }
    groups.set(skeleton, group)
    if (row.username_skeleton !== null) group.holder = named(row)
    else group.lookAlikes.push(named(row))
  }
  return [...groups.values()]
}

function named(row: AccountRow): NamedAccount {
  return { id: row.id, username: row.username, createdAt: row.created_at }
}
