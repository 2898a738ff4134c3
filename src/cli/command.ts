import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.js'
import { openDatabase, type OpenedDatabase } from '../db/open.js'
import { StartUp, StartUpFailure } from '../start-up.js'

// What the `logon` commands (logon.ts) share: the command line with its --help, the
// server's configuration, the database the server uses, and closing what was opened.
// A failure is one line on stderr, `logon NAME: …`; the exit codes are EXIT below,
// the same for every command, so that a script can rely on them.

/** The exit codes of every command (docs/deploy.md, Operator commands). */
export const EXIT = {
  ok: 0,
  /** It could not be done: the database, a source, an unexpected error. */
  failed: 1,
  /** The command line is wrong. */
  usage: 2,
  /** The account named does not exist. */
  noSuchAccount: 3,
  /** Stopped by SIGINT (Ctrl-C) or SIGTERM before the end: what was done is whole. */
  interrupted: 130,
} as const

/** The account a command names does not exist: exit 3. */
export class NoSuchAccountError extends Error {}

/** The command line is wrong: the message is followed by "(see --help)". */
export class UsageError extends Error {}

type OptionsConfig = NonNullable<ParseArgsConfig['options']>

const HELP = { help: { type: 'boolean', short: 'h', default: false } } as const

/** The values of the command line, --help included. */
type CommandLine<Options extends OptionsConfig> = ReturnType<
  typeof parseCommandLine<Options & typeof HELP>
>['values']

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
  /** In front of every line the command writes to stderr: `logon users show`. */
  name: string
  /** One line for the list of commands (`logon --help`). */
  summary: string
  /** Printed for --help (which every command takes). */
  usage: string
  /** The command's own options, for node:util parseArgs (strict). */
  options: Options
  /** The names of the arguments it takes after its options (`NAME`), all required. */
  arguments?: readonly string[]
  /** The values and arguments, checked: a UsageError when they are wrong. */
  check(values: CommandLine<Options>, args: string[]): Checked
  /** The command itself; what it returns is the exit code. */
  run(checked: Checked, context: CommandContext): Promise<number>
  /** The one stderr line of a failure, after `name: `. */
  describeFailure?: (error: unknown) => string
}

/** A command whose options and result types are its own business. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = Command<any, any>

/** Declares a command, with its types checked against its options. */
export function defineCommand<Options extends OptionsConfig, Checked>(
  command: Command<Options, Checked>,
): Command<Options, Checked> {
  return command
}

/**
 * Runs a command on these arguments: --help prints the usage, otherwise the command
 * runs with the configuration loaded (a bad variable is one line, as for the server)
 * and closes what it opened whatever happens. Resolves to the exit code.
 */
export async function runCommand(command: AnyCommand, args: string[]): Promise<number> {
  const describe = command.describeFailure ?? describeCommandFailure
  try {
    return await execute(command, args)
  } catch (error) {
    process.stderr.write(`${command.name}: ${describe(error)}\n`)
    if (error instanceof UsageError) return EXIT.usage
    if (error instanceof NoSuchAccountError) return EXIT.noSuchAccount
    return EXIT.failed
  }
}

async function execute<Options extends OptionsConfig, Checked>(
  command: Command<Options, Checked>,
  args: string[],
): Promise<number> {
  const { values, positionals } = parseCommandLine(args, { ...command.options, ...HELP })
  // Known to be there, but not to TypeScript while Options is generic.
  if ((values as { help?: boolean }).help) {
    process.stdout.write(command.usage)
    return EXIT.ok
  }
  const expected = command.arguments ?? []
  if (positionals.length < expected.length) {
    throw new UsageError(`missing ${expected.slice(positionals.length).join(' ')}`)
  }
  if (positionals.length > expected.length) {
    throw new UsageError(`unexpected argument: ${positionals[expected.length]}`)
  }
  const checked = command.check(values, positionals)
  const config = loadCommandConfig()
  const startUp = new StartUp()
  const context: CommandContext = {
    config,
    startUp,
    openDatabase: ({ poolSize }) =>
      // No command listens for changes: DATABASE_LISTEN_URL is the server's alone.
      openDatabase({ ...config, databaseListenUrl: undefined }, startUp, {
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
    return parseArgs({ args, options, strict: true, allowPositionals: true })
  } catch (error) {
    // Its first sentence: the rest explains `--` at length.
    throw new UsageError((error as Error).message.split('\n')[0]!.replace(/\. To specify .*$/, ''))
  }
}

/** A failure in its one line: the message, and "(see --help)" after a usage error. */
function describeCommandFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return error instanceof UsageError ? `${message} (see --help)` : message
}
