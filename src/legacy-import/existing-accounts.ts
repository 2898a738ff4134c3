import type { Queryable } from '../db/database.js'
import type { SkippedName } from './report.js'
import type { Candidate } from './verdict.js'

// The Logon accounts that stand in the way of a candidate: one with its key, or one
// with its skeleton (a look-alike), as registration would refuse the name.

interface ExistingAccount {
  username: string
  username_key: string
  username_skeleton: string | null
  imported: boolean
}

export interface ExistingAccounts {
  byKey: Map<string, ExistingAccount>
  bySkeleton: Map<string, ExistingAccount>
}

/** The Logon accounts that have the key or the skeleton of one of the names. */
export async function existingAccounts(
  db: Queryable,
  names: ReadonlyArray<{ key: string; skeleton: string }>,
): Promise<ExistingAccounts> {
  const found: ExistingAccounts = { byKey: new Map(), bySkeleton: new Map() }
  if (names.length === 0) return found
  const rows = await db.query<ExistingAccount>(
    `SELECT username, username_key, username_skeleton, imported_at IS NOT NULL AS imported
       FROM users
      WHERE username_key = ANY($1::text[]) OR username_skeleton = ANY($2::text[])`,
    [names.map((name) => name.key), names.map((name) => name.skeleton)],
  )
  for (const row of rows) {
    found.byKey.set(row.username_key, row)
    if (row.username_skeleton !== null) found.bySkeleton.set(row.username_skeleton, row)
  }
  return found
}

/**
 * Why a name is not free in Logon, if it is not: this import put it there before
 * (the same key, and the account has imported_at), or another account has it or a
 * look-alike of it (registered, seeded, or imported under another name).
 */
export function whoHasIt(
  candidate: Candidate,
  existing: ExistingAccounts,
): SkippedName | undefined {
  const sameName = existing.byKey.get(candidate.key)
  if (sameName?.imported) return { username: candidate.username, reason: 'imported_earlier' }
  const holder = sameName ?? existing.bySkeleton.get(candidate.skeleton)
  if (!holder) return undefined
  return {
    username: candidate.username,
    reason: 'taken_by_another_account',
    takenBy: holder.username,
  }
}
