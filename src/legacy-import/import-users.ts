import { hashPassword } from '../auth/passwords.js'
import { insertUser } from '../auth/users.js'
import type { PasswordHashParams } from '../config.js'
import type { Queryable } from '../db/database.js'
import { existingAccounts, whoHasIt } from './existing-accounts.js'
import { forEachBounded } from './for-each-bounded.js'
import { emptyReport, type ImportReport, type SkippedName } from './report.js'
import { findSharedNames } from './shared-names.js'
import type { LegacySource } from './source.js'
import { judgeRow, type Candidate } from './verdict.js'

// Import from the original lesson app: its `login(username, password)`
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
  /** Called after each batch of rows, e.g. to show progress, with the source's row count. */
  onBatch?: (report: Readonly<ImportReport>, rows: number) => void
}

export const DEFAULT_NAMES_PER_REASON = 100

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
    options.onBatch?.(report, shared.rows)
  }
  return { ...report, interrupted: stopped() }
}
