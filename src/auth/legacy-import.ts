import type { PasswordHashParams } from '../config.js'
import type { Queryable } from '../db/database.js'
import { checkPasswordPolicy, hashPassword } from './passwords.js'
import { checkNewUsername } from './usernames.js'
import { insertUser } from './users.js'

// Import from the original lesson app (issue 3): its `login(username, password)`
// table held plain-text passwords. Each row becomes a Logon account with an argon2id
// hash, or is skipped with a stable reason. Never a password in a report.
//
// Decisions:
// - Names that fold to one key (NFKC + case folding) within the source are ALL
//   skipped: the original app compared names exactly, so "Alice" and "ALICE" may be
//   two people, and giving the name to either would be a guess. The operator
//   renames or deletes rows in the source and runs the import again.
// - A password the current policy would refuse as too short or too common is
//   imported anyway and counted as weak: its owner already uses it, and refusing it
//   would lock them out. Too long (over PASSWORD_MAX_LENGTH) is skipped: sign-in
//   never verifies such a password, so the account could not be used.
// - Names that look alike (one confusable skeleton, UTS #39) within the source are
//   all skipped too, for the same reason: "alice" and "аlice" (Cyrillic а) may be
//   two people. A name of the source that looks like an account already in Logon
//   is skipped, as registration refuses it. The rules are registration's
//   (checkNewUsername): a mixed-script name is not imported either.
// - Safe to run twice: the unique constraints on users.username_key and
//   users.username_skeleton decide. An imported account has users.imported_at, so a
//   later run tells a name it imported (imported_earlier) from one someone
//   registered on their own (taken_by_another_account).

export interface LegacyLogin {
  /** As read from the source: text, or null, or (for a non-text column) anything. */
  username: unknown
  password: unknown
}

/** The source table, read twice in one snapshot: names first, then whole rows. */
export interface LegacySource {
  usernames(): AsyncIterable<readonly unknown[]>
  logins(): AsyncIterable<readonly LegacyLogin[]>
}

export const SKIP_REASONS = [
  'username_missing',
  'username_not_text',
  'username_length',
  'username_characters',
  'username_mixed_scripts',
  'username_stacked_marks',
  'duplicate_in_source',
  'look_alike_in_source',
  'password_missing',
  'password_not_text',
  'password_too_long',
  // Last: what an operator can act on comes first in a report.
  'taken_by_another_account',
  'imported_earlier',
] as const

export type SkipReason = (typeof SKIP_REASONS)[number]

export const WEAK_REASONS = ['password_too_short', 'password_too_common'] as const

export type WeakReason = (typeof WEAK_REASONS)[number]

export interface SkippedName {
  /** As in the source (untrimmed); null when the row had no text name. */
  username: string | null
  reason: SkipReason
  /** duplicate_in_source: the key the names share, and how many rows have it. */
  key?: string
  sameKeyCount?: number
  /** look_alike_in_source: how many different names of the source look like this one. */
  lookAlikeCount?: number
  /** taken_by_another_account: the name of the Logon account that has it, as shown. */
  takenBy?: string
}

export interface ImportReport {
  dryRun: boolean
  /** True when stopped by the signal before the end of the table. */
  interrupted: boolean
  read: number
  /** Accounts created (in a dry run: that would be created). */
  imported: number
  /** Imported accounts whose password the current policy would refuse. */
  weak: Record<WeakReason, number>
  skipped: Record<SkipReason, { count: number; names: SkippedName[] }>
}

export interface ImportOptions {
  passwordMinLength: number
  passwordHash: PasswordHashParams
  /** Hashes (and inserts) in flight at once: each argon2 hash holds its memory cost. */
  concurrency: number
  /** Validate and report, write nothing. */
  dryRun?: boolean
  /** Names kept in the report per reason; the counts are always complete. */
  namesPerReason?: number
  /** Stops after the rows in flight; the report says `interrupted`. */
  signal?: AbortSignal
  now?: () => Date
  /** Called after each batch of rows, e.g. to show progress. */
  onBatch?: (report: Readonly<ImportReport>) => void
}

export const DEFAULT_NAMES_PER_REASON = 100

type Verdict =
  | { kind: 'skip'; skipped: SkippedName }
  | {
      kind: 'import'
      username: string
      key: string
      skeleton: string
      password: string
      weak?: WeakReason
    }

type Candidate = Extract<Verdict, { kind: 'import' }>

/** What the source holds more than once: by key, and by skeleton over different keys. */
interface SharedNames {
  keys: Map<string, number>
  skeletons: Map<string, number>
}

export async function importLegacyUsers(
  db: Queryable,
  source: LegacySource,
  options: ImportOptions,
): Promise<ImportReport> {
  const report = emptyReport(options.dryRun ?? false)
  const namesPerReason = options.namesPerReason ?? DEFAULT_NAMES_PER_REASON
  const now = options.now ?? (() => new Date())
  const stopped = () => options.signal?.aborted ?? false
  const skip = (skipped: SkippedName) => {
    const entry = report.skipped[skipped.reason]
    entry.count += 1
    if (entry.names.length < namesPerReason) entry.names.push(skipped)
  }

  const shared = await findSharedNames(source, stopped)
  if (shared === undefined) return { ...report, interrupted: true }

  for await (const batch of source.logins()) {
    if (stopped()) return { ...report, interrupted: true }
    report.read += batch.length
    const verdicts = batch.map((row) => judgeRow(row, shared, options.passwordMinLength))
    const candidates: Candidate[] = []
    // One query per batch instead of one per name; what it misses (a name
    // registered meanwhile) the unique constraints still refuse below.
    const existing = await existingAccounts(
      db,
      verdicts.flatMap((v) => (v.kind === 'import' ? [v] : [])),
    )
    for (const verdict of verdicts) {
      if (verdict.kind === 'skip') skip(verdict.skipped)
      else {
        const taken = whoHasIt(verdict, existing)
        if (taken) skip(taken)
        else candidates.push(verdict)
      }
    }
    const refused: Candidate[] = []
    await forEachBounded(candidates, options.concurrency, stopped, async (candidate) => {
      if (!options.dryRun) {
        const passwordHash = await hashPassword(candidate.password, options.passwordHash)
        const inserted = await insertUser(db, {
          username: candidate.username,
          usernameKey: candidate.key,
          passwordHash,
          now: now(),
          imported: true,
        })
        if (!inserted.ok) {
          refused.push(candidate)
          return
        }
      }
      report.imported += 1
      if (candidate.weak) report.weak[candidate.weak] += 1
    })
    // Refused by a constraint: taken since the batch's query. Asked again, by whom.
    if (refused.length > 0) {
      const takenSince = await existingAccounts(db, refused)
      for (const candidate of refused) {
        skip(
          whoHasIt(candidate, takenSince) ?? {
            username: candidate.username,
            reason: 'taken_by_another_account',
          },
        )
      }
    }
    options.onBatch?.(report)
  }
  return { ...report, interrupted: stopped() }
}

/**
 * First pass, names only: the keys shared by two or more valid names of the source,
 * and the skeletons shared by two or more different keys (with how many keys).
 * Holds one key and one skeleton per distinct name (tens of bytes each), never a
 * password. Undefined when stopped.
 */
async function findSharedNames(
  source: LegacySource,
  stopped: () => boolean,
): Promise<SharedNames | undefined> {
  const names = new Map<string, { count: number; skeleton: string }>()
  for await (const batch of source.usernames()) {
    if (stopped()) return undefined
    for (const username of batch) {
      if (typeof username !== 'string') continue
      const name = checkNewUsername(username)
      if (!name.ok) continue
      const seen = names.get(name.key)
      if (seen) seen.count += 1
      else names.set(name.key, { count: 1, skeleton: name.skeleton })
    }
  }
  const keys = new Map<string, number>()
  const skeletons = new Map<string, number>()
  for (const [key, { count, skeleton }] of names) {
    if (count > 1) keys.set(key, count)
    skeletons.set(skeleton, (skeletons.get(skeleton) ?? 0) + 1)
  }
  // Keep only the shared skeletons (deleting the entry being visited is safe in a Map).
  for (const [skeleton, count] of skeletons) if (count === 1) skeletons.delete(skeleton)
  return { keys, skeletons }
}

function judgeRow(row: LegacyLogin, shared: SharedNames, passwordMinLength: number): Verdict {
  const skip = (reason: SkipReason, extra: Partial<SkippedName> = {}): Verdict => ({
    kind: 'skip',
    skipped: {
      username: typeof row.username === 'string' ? row.username : null,
      reason,
      ...extra,
    },
  })
  if (row.username === null || row.username === undefined) return skip('username_missing')
  if (typeof row.username !== 'string') return skip('username_not_text')
  const name = checkNewUsername(row.username)
  if (!name.ok) return skip(name.code)
  const sameKeyCount = shared.keys.get(name.key)
  if (sameKeyCount !== undefined) {
    return skip('duplicate_in_source', { key: name.key, sameKeyCount })
  }
  const lookAlikeCount = shared.skeletons.get(name.skeleton)
  if (lookAlikeCount !== undefined) return skip('look_alike_in_source', { lookAlikeCount })
  const password = row.password
  if (password === null || password === undefined || password === '') {
    return skip('password_missing')
  }
  if (typeof password !== 'string') return skip('password_not_text')
  const policy = checkPasswordPolicy(password, passwordMinLength)
  const { username, key, skeleton } = name
  const candidate: Candidate = { kind: 'import', username, key, skeleton, password }
  if (policy.ok) return candidate
  if (policy.code === 'password_too_long') return skip('password_too_long')
  return { ...candidate, weak: policy.code }
}

interface ExistingAccount {
  username: string
  username_key: string
  username_skeleton: string | null
  imported: boolean
}

interface ExistingAccounts {
  byKey: Map<string, ExistingAccount>
  bySkeleton: Map<string, ExistingAccount>
}

/** The Logon accounts that have the key or the skeleton of one of the names. */
async function existingAccounts(
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
function whoHasIt(candidate: Candidate, existing: ExistingAccounts): SkippedName | undefined {
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

/**
 * Runs fn over items with at most `limit` at once. On a failure no further item
 * starts, the ones in flight finish, then the first error is thrown: nothing keeps
 * writing after the caller has moved on (and closed the database).
 */
async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  stopped: () => boolean,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (next < items.length && !failure && !stopped()) {
      const item = items[next++]!
      try {
        await fn(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure) throw failure.error
}

function emptyReport(dryRun: boolean): ImportReport {
  return {
    dryRun,
    interrupted: false,
    read: 0,
    imported: 0,
    weak: { password_too_short: 0, password_too_common: 0 },
    skipped: Object.fromEntries(
      SKIP_REASONS.map((reason) => [reason, { count: 0, names: [] }]),
    ) as unknown as ImportReport['skipped'],
  }
}
