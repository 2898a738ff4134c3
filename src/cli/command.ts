import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { openDatabase, type OpenedDatabase } from '../db/open.js'
import { StartUp, StartUpFailure } from '../start-up.js'

// What the commands (seed, import-legacy, confusable-names) share: the command line
// with its --help, the server's configuration, the database the server uses, and
// closing what was opened. A failure is one line on stderr, `name: …`; a usage error
// exits 2, any other failure 1.

/** The command line is wrong: the message is followed by "(see --help)". */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const

/** The values of the command line, --help included. */
type CommandLine<Options extends OptionsConfig> = ReturnType<
  typeof parseCommandLine<Options & typeof HELP>
>

export interface CommandContext {
  config: Config
  /** Opens things for the command; what it opened is closed, newest first, at the end. */
  startUp: StartUp
  /**
   * The database the server uses, opened and migrated as the server's start does. (A
   * property, not a method: commands take it out of the context.)
   */
  openDatabase: (options: { poolSize: number }) => Promise<OpenedDatabase>
}

export interface Command<Options extends OptionsConfig, Checked> {
  /** In front of every line the command writes to stderr. */
  name: string
  /** Printed for --help (which every command takes). */
  usage: string
  /** The command's own options, for node:util parseArgs (strict, no positionals). */
  options: Options
  /** The values, checked: a UsageError when they are wrong. */
  check(values: CommandLine<Options>): Checked
  /** The command itself; what it returns is the exit code. */
  run(checked: Checked, context: CommandContext): Promise<number>
  /** The one stderr line of a failure, after `name: `. */
  describeFailure?: (error: unknown) => string
}

/**
 * Runs a command on this process's arguments: --help prints the usage, otherwise the
 * command runs with the configuration loaded (a bad variable is one line, as for
 * the server) and closes what it opened whatever happens.
 */
export function runCommand<Options extends OptionsConfig, Checked>(
  command: Command<Options, Checked>,
): void {
  const describe = command.describeFailure ?? describeCommandFailure
  execute(command, process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`${command.name}: ${describe(error)}\n`)
      process.exitCode = error instanceof UsageError ? 2 : 1
    },
  )
}

async function execute<Options extends OptionsConfig, Checked>(
  command: Command<Options, Checked>,
  args: string[],
): Promise<number> {
  const values: CommandLine<Options> = parseCommandLine(args, { ...command.options, ...HELP })
  // Known to be there, but not to TypeScript while Options is generic.
  if ((values as { help?: boolean }).help) {
    process.stdout.write(command.usage)
    return 0
  }
  const checked = command.check(values)
  const config = loadCommandConfig()
  const startUp = new StartUp()
  const context: CommandContext = {
    config,
    startUp,
    openDatabase: ({ poolSize }) =>
      openDatabase(config, startUp, {
        poolSize,
        onIdleError: (error) =>
          process.stderr.write(
            `${command.name}: an idle DATABASE_URL connection failed: ${error.message}\n`,
          ),
        onWarning: (message) => process.stderr.write(`${command.name}: ${message}\n`),
      }),
  }
  try {
    return await command.run(checked, context)
  } finally {
    // Newest first: the embedded database closes before its DATA_DIR lock is released.
    // A failure to close is not the command's: its result stands.
    await startUp.stop().catch(() => {})
  }
}

/** The server's configuration, or one line naming the variable that is wrong. */
function loadCommandConfig(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new StartUpFailure(`invalid configuration: ${error.message}`, { cause: error })
    }
    throw error
  }
}

/** node:util parseArgs, strict, with its errors as one-line usage errors. */
function parseCommandLine<T extends OptionsConfig>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0])
  }
}

/** A failure in its one line: the message, and "(see --help)" after a usage error. */
function describeCommandFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return error instanceof UsageError ? `${message} (see --help)` : message
}
