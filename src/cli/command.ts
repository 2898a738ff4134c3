import { parseArgs, type ParseArgsConfig } from 'node:util'
import { ConfigError, loadConfig, type Config } from '../config.js'

// What the commands (seed, import-legacy, confusable-names) share: their kinds of failure, the
// configuration, and argument parsing. A failure is one line on stderr; a usage
// error exits 2, any other failure 1.

/** The command line is wrong: the message is followed by "(see --help)". */
export class UsageError extends Error {}

/** A failure of a command, already worded for its one line on stderr. */
export class CommandFailure extends Error {}

/** Rethrows as one line: `subject: the error's message`. */
export function blame(subject: string) {
  return (error: unknown): never => {
    throw new CommandFailure(
      `${subject}: ${error instanceof Error ? error.message : String(error)}`,
      {
        cause: error,
      },
    )
  }
}

/** The server's configuration, or one line naming the variable that is wrong. */
export function loadCommandConfig(): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new CommandFailure(`invalid configuration: ${error.message}`, { cause: error })
    }
    throw error
  }
}

/** node:util parseArgs, strict, with its errors as one-line usage errors. */
export function parseCommandLine<T extends ParseArgsConfig['options']>(args: string[], options: T) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new UsageError((error as Error).message.split('\n')[0])
  }
}

/** A failure in its one line: the message, and "(see --help)" after a usage error. */
export function describeCommandFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  return error instanceof UsageError ? `${message} (see --help)` : message
}

/**
 * Runs a command on this process's arguments: what `run` returns is the exit code; a
 * failure is one line on stderr, `name: …` (worded by `describe`), and exits 2 for a
 * usage error, 1 for any other.
 */
export function runCommand(
  name: string,
  run: (args: string[]) => Promise<number>,
  describe: (error: unknown) => string = describeCommandFailure,
): void {
  run(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code
    },
    (error: unknown) => {
      process.stderr.write(`${name}: ${describe(error)}\n`)
      process.exitCode = error instanceof UsageError ? 2 : 1
    },
  )
}

/** Closes what a command opened, newest first (`closers` is kept that way), ignoring failures. */
export async function closeAll(closers: Array<() => Promise<void>>): Promise<void> {
  for (const close of closers) await close().catch(() => {})
}
