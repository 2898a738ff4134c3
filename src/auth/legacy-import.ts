import type { PasswordHashParams } from '../config.js'
import type { Queryable } from '../db/database.js'
import { checkPasswordPolicy, hashPassword } from './passwords.js'
import { checkUsername } from './usernames.js'
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
// - Safe to run twice: the unique constraint on users.username_key decides.

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
  'duplicate_in_source',
  'password_missing',
  'password_not_text',
  'password_too_long',
  // Last: what an operator can act on comes first in a report.
  'already_exists',
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
  | { kind: 'import'; username: string; key: string; password: string; weak?: WeakReason }

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

  const sharedKeys = await findSharedKeys(source, stopped)
  if (sharedKeys === undefined) return { ...report, interrupted: true }

  for await (const batch of source.logins()) {
    if (stopped()) return { ...report, interrupted: true }
    report.read += batch.length
    const verdicts = batch.map((row) => judgeRow(row, sharedKeys, options.passwordMinLength))
    const candidates: Array<Extract<Verdict, { kind: 'import' }>> = []
    // One query per batch instead of one per name; what it misses (a name
    // registered meanwhile) the unique constraint still refuses below.
    const existing = await existingKeys(
      db,
      verdicts.flatMap((v) => (v.kind === 'import' ? [v.key] : [])),
    )
    for (const verdict of verdicts) {
      if (verdict.kind === 'skip') skip(verdict.skipped)
      else if (existing.has(verdict.key))
        skip({ username: verdict.username, reason: 'already_exists' })
      else candidates.push(verdict)
    }
    const alreadyExists: string[] = []
    await forEachBounded(candidates, options.concurrency, stopped, async (candidate) => {
      if (!options.dryRun) {
        const passwordHash = await hashPassword(candidate.password, options.passwordHash)
        const inserted = await insertUser(db, {
          username: candidate.username,
          usernameKey: candidate.key,
          passwordHash,
          now: now(),
        })
        if (!inserted.ok) {
          alreadyExists.push(candidate.username)
          return
        }
      }
      report.imported += 1
      if (candidate.weak) report.weak[candidate.weak] += 1
    })
    for (const username of alreadyExists) skip({ username, reason: 'already_exists' })
    options.onBatch?.(report)
  }
  return { ...report, interrupted: stopped() }
}

/**
 * First pass, names only: the keys shared by two or more valid names of the source.
 * Holds one key per distinct name (tens of bytes each), never a password.
 * Undefined when stopped.
 */
async function findSharedKeys(
  source: LegacySource,
  stopped: () => boolean,
): Promise<Map<string, number> | undefined> {
  const counts = new Map<string, number>()
  for await (const batch of source.usernames()) {
    if (stopped()) return undefined
    for (const username of batch) {
      if (typeof username !== 'string') continue
      const name = checkUsername(username)
      if (name.ok) counts.set(name.key, (counts.get(name.key) ?? 0) + 1)
    }
  }
  // Keep only the shared keys (deleting the entry being visited is safe in a Map).
  for (const [key, count] of counts) if (count === 1) counts.delete(key)
  return counts
}

function judgeRow(
  row: LegacyLogin,
  sharedKeys: ReadonlyMap<string, number>,
  passwordMinLength: number,
): Verdict {
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
  const name = checkUsername(row.username)
  if (!name.ok) return skip(name.code)
  const sameKeyCount = sharedKeys.get(name.key)
  if (sameKeyCount !== undefined) {
    return skip('duplicate_in_source', { key: name.key, sameKeyCount })
  }
  const password = row.password
  if (password === null || password === undefined || password === '') {
    return skip('password_missing')
  }
  if (typeof password !== 'string') return skip('password_not_text')
  const policy = checkPasswordPolicy(password, passwordMinLength)
  if (policy.ok) return { kind: 'import', username: name.username, key: name.key, password }
  if (policy.code === 'password_too_long') return skip('password_too_long')
  return { kind: 'import', username: name.username, key: name.key, password, weak: policy.code }
}

async function existingKeys(db: Queryable, keys: string[]): Promise<Set<string>> {
  if (keys.length === 0) return new Set()
  const rows = await db.query<{ username_key: string }>(
    'SELECT username_key FROM users WHERE username_key = ANY($1::text[])',
    [keys],
  )
  return new Set(rows.map((row) => row.username_key))
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
