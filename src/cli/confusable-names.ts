import { findConfusableNames } from '../auth/confusable-names.js'
import { migrate } from '../db/migrate.js'
import {
  blame,
  closeAll,
  loadCommandConfig,
  parseCommandLine,
  runCommand,
  UsageError,
} from './command.js'
import { formatConfusableNames } from './confusable-names-report.js'
import { openTarget } from './open-target.js'

// `npm run confusable-names`: the existing accounts whose names the look-alike rules
// would refuse today (docs/contract.md, Names), in the database the server uses,
// opened, migrated and with its skeletons filled as the server's start does. Reports
// only: no account is changed. Exit 0 whatever it finds.

const USAGE = `Usage: npm run confusable-names

Lists the groups of existing accounts whose names look the same (one confusable
skeleton, Unicode UTS #39), and the names that mix scripts or stack marks. Such
accounts keep working; new accounts cannot take such names. Reads the database the
server uses: DATABASE_URL, or the embedded one in DATA_DIR (stop the server first).

  --limit N   names listed that break a rule (default 100; the count is always complete)
  --help      this text
`

function readArguments(args: string[]): { limit: number } | 'help' {
  const values = parseCommandLine(args, {
    limit: { type: 'string', default: '100' },
    help: { type: 'boolean', short: 'h', default: false },
  })
  if (values.help) return 'help'
  if (!/^\d{1,9}$/.test(values.limit)) throw new UsageError('--limit must be a whole number')
  return { limit: Number(values.limit) }
}

async function run(args: string[]): Promise<number> {
  const options = readArguments(args)
  if (options === 'help') {
    process.stdout.write(USAGE)
    return 0
  }
  const config = loadCommandConfig()
  const closers: Array<() => Promise<void>> = []
  try {
    const target = await openTarget(config, closers, { name: 'confusable-names', poolSize: 2 })
    await migrate(target.db).catch(blame('migrating the database failed'))
    const found = await findConfusableNames(target.db, { listLimit: options.limit })
    process.stdout.write(formatConfusableNames(found, target.description))
    return 0
  } finally {
    // Newest first: the embedded database closes before its DATA_DIR lock is released.
    await closeAll(closers)
  }
}

runCommand('confusable-names', run)
