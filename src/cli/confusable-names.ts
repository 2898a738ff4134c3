import { findConfusableNames } from '../auth/confusable-names.js'
import { defineCommand, UsageError } from './command.js'
import { formatConfusableNames } from './confusable-names-report.js'

// `logon confusable-names`: the existing accounts whose names the look-alike rules
// would refuse today (docs/contract.md, Names), in the database the server uses,
// opened, migrated and with its skeletons filled as the server's start does. Reports
// only: no account is changed. Exit 0 whatever it finds.

const USAGE = `Usage: logon confusable-names [--limit N]

Lists the groups of existing accounts whose names look the same (one confusable
skeleton, Unicode UTS #39), and the names that mix scripts or stack marks. Such
accounts keep working; new accounts cannot take such names. Reads the database the
server uses: DATABASE_URL, or the embedded one in DATA_DIR (stop the server first).

  --limit N   names listed that break a rule (default 100; the count is always complete)
  --help      this text
`

export const confusableNamesCommand = defineCommand({
  name: 'logon confusable-names',
  summary: 'list existing accounts whose names look alike',
  usage: USAGE,
  options: { limit: { type: 'string', default: '100' } },
  check(values) {
    if (!/^\d{1,9}$/.test(values.limit)) throw new UsageError('--limit must be a whole number')
    return { limit: Number(values.limit) }
  },
  async run({ limit }, context) {
    const target = await context.openDatabase({ poolSize: 2 })
    const found = await findConfusableNames(target.db, { listLimit: limit })
    process.stdout.write(formatConfusableNames(found, target.description))
    return 0
  },
})
