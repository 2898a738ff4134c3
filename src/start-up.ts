/** Start-up stopped by a signal: the stop closes what was opened and exits 0. */
export class StartUpStopped extends Error {}

/**
 * A start-up step failed: its message is the one line to print, naming the setting
 * to blame (`DATA_DIR: …`), never a password.
 */
export class StartUpFailure extends Error {}

/**
 * Start-up as steps, each of which may open something. stop() closes what is open,
 * newest first; during start-up it first lets the step in progress finish (a
 * database half-created is not closed) and no further step begins.
 */
export class StartUp {
  #closers: Array<() => Promise<void>> = []
  #inProgress: Promise<unknown> = Promise.resolve()
  #stopped: Promise<void> | undefined

  async step<T>(run: () => Promise<T>, close?: (opened: T) => Promise<void>): Promise<T> {
    if (this.stopping) throw new StartUpStopped()
    const done = run().then((opened) => {
      if (close) this.#closers.unshift(() => close(opened))
      return opened
    })
    this.#inProgress = done.catch(() => {})
    const opened = await done
    if (this.stopping) throw new StartUpStopped()
    return opened
  }

  get stopping(): boolean {
    return this.#stopped !== undefined
  }

  stop(): Promise<void> {
    this.#stopped ??= this.#inProgress.then(async () => {
      // One failure (say, a plugin's onClose hook) must not leave the database open.
      const failures: unknown[] = []
      for (const close of this.#closers) await close().catch((error) => failures.push(error))
      if (failures.length > 0) throw failures[0]
    })
    return this.#stopped
  }
}
