import type { ConfusableNames, NamedAccount, RefusedName } from '../auth/confusable-names.js'
import { USERNAME_MAX_MARKS_IN_A_ROW } from '../auth/usernames.js'
import { quoteName } from './import-legacy-report.js'

// The report of `npm run confusable-names` as text for a terminal. Names are quoted
// with every control and format character escaped, as in the import's report: a
// name may hold a right-to-left override meant to fool whoever reads it.

const WHY: Record<RefusedName['code'], string> = {
  username_mixed_scripts: 'mixes scripts (such as Latin and Cyrillic letters)',
  username_stacked_marks: `more than ${USERNAME_MAX_MARKS_IN_A_ROW} marks on one letter, or the same mark twice in a row`,
}

export function formatConfusableNames(found: ConfusableNames, where: string): string {
  const lines = [`Looked at ${found.accounts} accounts in ${where}.`]
  if (found.groups.length === 0) {
    lines.push('Look-alike names: none (no two accounts have names that look the same).')
  } else {
    lines.push(
      `Look-alike names: ${found.groups.length} ${found.groups.length === 1 ? 'group' : 'groups'} of accounts whose names look the same ` +
        '(one confusable skeleton, Unicode UTS #39). The first of each holds the name: no new ' +
        'account can take a name like it. The others were made before Logon refused ' +
        'look-alikes; they keep working until you act (ask the owner for another name, or ' +
        'delete an impostor).',
    )
    found.groups.forEach((group, index) => {
      lines.push(`  group ${index + 1}:`)
      if (group.holder) lines.push(`    ${account(group.holder)}  holds the name`)
      for (const lookAlike of group.lookAlikes) {
        lines.push(
          `    ${account(lookAlike)}  looks like ${group.holder ? `id ${group.holder.id}` : 'a deleted account'}`,
        )
      }
    })
  }
  if (found.refusedCount === 0) {
    lines.push('Names a new account could not take: none.')
  } else {
    lines.push(
      `Names a new account could not take today: ${found.refusedCount} (they keep working):`,
    )
    for (const refused of found.refused) {
      lines.push(`  ${account(refused)}  ${refused.code}: ${WHY[refused.code]}`)
    }
    const unlisted = found.refusedCount - found.refused.length
    if (unlisted > 0) lines.push(`  … and ${unlisted} more not listed`)
  }
  return lines.join('\n') + '\n'
}

/** Beside the name as it shows, its letters outside ASCII as code points: the difference. */
function account({ id, username, createdAt }: NamedAccount): string {
  const spelled = JSON.stringify(username).replace(
    /[^\x20-\x7e]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  )
  const shown = quoteName(username)
  return `id ${id}  ${shown}${spelled === shown ? '' : ` (${spelled})`}  created ${createdAt.toISOString()}`
}
