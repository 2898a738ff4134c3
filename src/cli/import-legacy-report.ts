import { PASSWORD_MAX_LENGTH } from '../auth/passwords.js'
import {
  USERNAME_MAX_LENGTH,
  USERNAME_MAX_MARKS_IN_A_ROW,
  USERNAME_MIN_LENGTH,
} from '../auth/usernames.js'
import {
  SKIP_REASONS,
  WEAK_REASONS,
  type ImportReport,
  type SkippedName,
  type SkipReason,
} from '../legacy-import/report.js'

// The import's report as text for a terminal. Names are not secret and are listed;
// passwords and hashes never reach a report. Which accounts have weak passwords is
// only counted: a list of guessable accounts is worth more to an attacker reading
// a shared log than to the operator.

export const LISTED_NAMES_LIMIT = 100

const EXPLANATION: Record<SkipReason, (skipped: SkippedName) => string> = {
  username_missing: () => 'invalid name: none (NULL or blank)',
  username_not_text: () => 'invalid name: the column is not text',
  username_length: () =>
    `invalid name: must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} characters`,
  username_characters: () => 'invalid name: only letters, digits, "_", "-" and "." are allowed',
  username_mixed_scripts: () =>
    'invalid name: it mixes scripts (such as Latin and Cyrillic letters), ' +
    'so it can pass for another name',
  username_stacked_marks: () =>
    `invalid name: more than ${USERNAME_MAX_MARKS_IN_A_ROW} marks on one letter, or the same mark twice in a row`,
  duplicate_in_source: ({ key, sameKeyCount }) =>
    `${sameKeyCount ?? 2} names of the source are the same after normalisation ` +
    `(NFKC + case folding: ${quoteName(key ?? null)}); none of them was imported`,
  look_alike_in_source: ({ lookAlikeCount }) =>
    `${lookAlikeCount ?? 2} different names of the source look the same ` +
    '(one confusable skeleton, Unicode UTS #39); none of them was imported',
  password_missing: () => 'no password (NULL or empty)',
  password_not_text: () => 'the password column is not text',
  password_too_long: () =>
    `password over ${PASSWORD_MAX_LENGTH} characters: sign-in never accepts it`,
  taken_by_another_account: ({ username, takenBy }) =>
    takenBy === undefined || takenBy === username
      ? 'a Logon account the import did not make (registered by someone) has this name; it is kept'
      : `the Logon account ${quoteName(takenBy)} looks the same; it is kept`,
  imported_earlier: () => 'imported by an earlier run of the import',
}

export function formatImportReport(
  report: ImportReport,
  { limit = LISTED_NAMES_LIMIT }: { limit?: number } = {},
): string {
  const lines = [summaryLine(report)]
  const weak = WEAK_REASONS.reduce((sum, reason) => sum + report.weak[reason], 0)
  if (weak > 0) {
    lines.push(
      `Weak: ${weak} ${report.dryRun ? 'accounts to import have' : 'imported accounts have'} a ` +
        `password the current policy refuses (${report.weak.password_too_short} too short, ` +
        `${report.weak.password_too_common} too common). They ${report.dryRun ? 'would be' : 'are'} ` +
        'imported all the same, so ' +
        'these users can still sign in; ask your users to change their passwords.',
    )
  }
  const skippedTotal = SKIP_REASONS.reduce((sum, reason) => sum + report.skipped[reason].count, 0)
  if (skippedTotal > 0) {
    lines.push('Skipped names (name  reason: explanation):')
    let listed = 0
    const unlisted: string[] = []
    for (const reason of SKIP_REASONS) {
      const entry = report.skipped[reason]
      const shown = entry.names.slice(0, Math.max(0, limit - listed))
      for (const skipped of shown) {
        lines.push(`  ${quoteName(skipped.username)}  ${reason}: ${EXPLANATION[reason](skipped)}`)
      }
      listed += shown.length
      if (entry.count > shown.length) unlisted.push(`${reason} ${entry.count - shown.length}`)
    }
    if (unlisted.length > 0) {
      lines.push(`  … and ${skippedTotal - listed} more not listed (${unlisted.join(', ')})`)
    }
  }
  if (report.interrupted) {
    lines.push(
      'Interrupted before the end of the login table: run the same command again ' +
        'to import the rest (accounts already imported are reported as imported_earlier).',
    )
  }
  return lines.join('\n') + '\n'
}

function summaryLine(report: ImportReport): string {
  const skipped = SKIP_REASONS.filter((reason) => report.skipped[reason].count > 0)
  const skippedTotal = skipped.reduce((sum, reason) => sum + report.skipped[reason].count, 0)
  const weakTotal = WEAK_REASONS.reduce((sum, reason) => sum + report.weak[reason], 0)
  const breakdown = (parts: string[]) => (parts.length > 0 ? ` (${parts.join(', ')})` : '')
  return (
    `${report.dryRun ? 'Dry run, nothing written. ' : ''}Summary: read ${report.read}, ` +
    `${report.dryRun ? 'would import' : 'imported'} ${report.imported}, ` +
    `skipped ${skippedTotal}` +
    breakdown(skipped.map((reason) => `${reason} ${report.skipped[reason].count}`)) +
    `, weak ${weakTotal}` +
    breakdown(
      WEAK_REASONS.filter((reason) => report.weak[reason] > 0).map(
        (reason) => `${reason} ${report.weak[reason]}`,
      ),
    )
  )
}

const NAME_DISPLAY_MAX = 64

/**
 * A name as a JSON string literal, with every control, format, separator or
 * unassigned character escaped (only the plain space is kept): a name from the
 * source is not trusted, and one with ESC or a right-to-left override must not
 * rewrite the operator's terminal. null for a row without a text name.
 */
export function quoteName(name: string | null): string {
  if (name === null) return 'null'
  const codePoints = [...name]
  const shown = codePoints.slice(0, NAME_DISPLAY_MAX).join('')
  const quoted = JSON.stringify(shown).replace(/(?! )[\p{C}\p{Z}]/gu, (char) =>
    [...Array(char.length).keys()]
      .map((i) => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`)
      .join(''),
  )
  return codePoints.length > NAME_DISPLAY_MAX
    ? `${quoted} (first ${NAME_DISPLAY_MAX} of ${codePoints.length} characters)`
    : quoted
}
