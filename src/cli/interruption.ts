import { EXIT } from './command.js'

// Ctrl-C (SIGINT) or SIGTERM during a long command (seed, import-legacy, move-to):
// the first one asks the command to stop at its next safe point (between chunks,
// after the rows in flight, or with a rollback), so that what is kept is whole; the
// command then exits EXIT.interrupted with a line saying what was kept. A second
// one exits at once: the database keeps only what was committed, as after a crash.
// (On the embedded database a statement blocks the event loop while it runs, so the
// signal is seen when it ends.)

export interface Interruption {
  /** Aborted at the first signal. */
  readonly signal: AbortSignal
  /** The signal received, if one was. */
  readonly received: NodeJS.Signals | undefined
}

/**
 * Listens for SIGINT and SIGTERM. `name` is the command's (`logon seed`); `whatHappens`
 * says what the first signal does: "stopping after the chunk in progress".
 */
export function stopOnSignals(name: string, whatHappens: string): Interruption {
  const controller = new AbortController()
  let received: NodeJS.Signals | undefined
  const onSignal = (signal: NodeJS.Signals) => {
    if (received) process.exit(EXIT.interrupted)
    received = signal
    controller.abort()
    // On a terminal the progress line is still open (and the terminal echoed ^C on it).
    const newline = process.stderr.isTTY ? '\n' : ''
    process.stderr.write(`${newline}${name}: ${signal}: ${whatHappens} (again to stop at once)\n`)
  }
  process.on('SIGINT', onSignal)
  process.on('SIGTERM', onSignal)
  return {
    signal: controller.signal,
    get received() {
      return received
    },
  }
}

/**
 * Whether to stop, once the event loop has had a turn to deliver a signal that came
 * meanwhile: embedded-database statements resolve without the loop ever turning, so
 * a run of them would otherwise go to its end before a Ctrl-C is seen.
 */
export async function stopRequested(signal: AbortSignal): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve))
  return signal.aborted
}
