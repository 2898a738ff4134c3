import { EXIT, runCommand, type AnyCommand } from './command.js'

// `logon COMMAND …`, the operator's one command (package.json `bin`): each command is
// a module of its own, loaded only when named, so `logon users show` does not load
// the embedded database's engine nor `logon start` the importer.

type Loader = () => Promise<AnyCommand>

const COMMANDS: Record<string, Loader> = {
  migrate: async () => (await import('./migrate.js')).migrateCommand,
  seed: async () => (await import('./seed.js')).seedCommand,
  'import-legacy': async () => (await import('./import-legacy.js')).importLegacyCommand,
  'confusable-names': async () => (await import('./confusable-names.js')).confusableNamesCommand,
  'move-to': async () => (await import('./move-to.js')).moveToCommand,
}

const users = async () => import('./users.js')
const USERS_COMMANDS: Record<string, Loader> = {
  list: async () => (await users()).usersListCommand,
  show: async () => (await users()).usersShowCommand,
  disable: async () => (await users()).usersDisableCommand,
  enable: async () => (await users()).usersEnableCommand,
  'end-sessions': async () => (await users()).usersEndSessionsCommand,
  reset: async () => (await users()).usersResetCommand,
}

const START_USAGE = `Usage: logon start

Starts the server with the environment's settings (README, Configuration): PORT, HOST,
DATABASE_URL or DATA_DIR, and the rest. SIGTERM or SIGINT stops it gracefully. In a
checkout it runs the sources; for production, npm start (which builds, and runs the
build with V8's --max-semi-space-size=8) or the systemd unit of docs/deploy.md.
`

function usage(title: string, commands: [string, string][]): string {
  const width = Math.max(...commands.map(([name]) => name.length))
  return (
    `${title}\n\nCommands:\n` +
    commands.map(([name, summary]) => `  ${name.padEnd(width)}  ${summary}\n`).join('') +
    `\nlogon COMMAND --help tells more of each. Exit codes: 0 done, 1 failed, 2 wrong\n` +
    `command line, 3 no such account, 130 stopped by Ctrl-C (what was done is whole).\n`
  )
}

async function summaries(loaders: Record<string, Loader>, prefix = '') {
  const named = await Promise.all(
    Object.entries(loaders).map(async ([name, load]) => {
      const command = await load()
      return [`${prefix}${name}`, command.summary] as [string, string]
    }),
  )
  return named
}

async function main(args: string[]): Promise<number> {
  const [name, ...rest] = args
  if (name === 'start') {
    if (rest.includes('--help') || rest.includes('-h')) {
      process.stdout.write(START_USAGE)
      return EXIT.ok
    }
    if (rest.length > 0) {
      process.stderr.write(`logon start: unexpected argument: ${rest[0]} (see --help)\n`)
      return EXIT.usage
    }
    // The server's own entry: it runs as it is imported, and decides its exit.
    await import('../main.js')
    return -1
  }
  if (name === 'users') return usersCommand(rest)
  const load = name === undefined ? undefined : COMMANDS[name]
  if (!load) {
    const help = name === undefined || name === '--help' || name === '-h'
    const text = usage('Usage: logon COMMAND [options]', [
      ['start', 'start the server'],
      ...(await summaries(COMMANDS)),
      ['users …', 'list, show, disable, enable, end sessions of, reset accounts'],
    ])
    if (help) {
      process.stdout.write(text)
      return EXIT.ok
    }
    process.stderr.write(`logon: unknown command: ${name} (see logon --help)\n`)
    return EXIT.usage
  }
  return runCommand(await load(), rest)
}

async function usersCommand(args: string[]): Promise<number> {
  const [name, ...rest] = args
  const load = name === undefined ? undefined : USERS_COMMANDS[name]
  if (!load) {
    const help = name === undefined || name === '--help' || name === '-h'
    const text = usage(
      'Usage: logon users COMMAND [options]',
      await summaries(USERS_COMMANDS, 'users '),
    )
    if (help) {
      process.stdout.write(text)
      return EXIT.ok
    }
    process.stderr.write(`logon users: unknown command: ${name} (see logon users --help)\n`)
    return EXIT.usage
  }
  return runCommand(await load(), rest)
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code
  },
  (error: unknown) => {
    process.stderr.write(`logon: ${error instanceof Error ? error.message : String(error)}\n`)
    process.exitCode = EXIT.failed
  },
)
