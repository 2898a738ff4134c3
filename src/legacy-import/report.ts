// What an import run found, as counts and a sample of names per reason: never a
// password. Each row of the source is imported (perhaps as weak) or skipped with one
// of the stable reasons below, which the operator's report and the tests name.

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

export function emptyReport(dryRun: boolean): ImportReport {
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
