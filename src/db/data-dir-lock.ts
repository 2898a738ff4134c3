import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

// PGlite is single-process: two processes on one data folder each keep their own
// copy of the database in memory, and one side's commits are lost. The first
// process to start holds the folder through a pid file; another one refuses to start.

const LOCK_FILE = 'logon.pid'
// Between creating the lock file and writing the pid into it, another process can
// read it empty: it waits this long for the pid before calling the file stale.
const PID_WAIT_MS = 500
const PID_POLL_MS = 25

export class DataDirInUseError extends Error {
  readonly code = 'DATA_DIR_IN_USE'
  constructor(dataDir: string, pid: number, lockFile: string) {
    super(
      `${dataDir} is in use by another Logon process (pid ${pid}); ` +
        `if no Logon process runs there, delete ${lockFile}`,
    )
  }
}

export interface DataDirLock {
  /** Deletes the lock file: call it after the database has closed. */
  release(): Promise<void>
}

/**
 * Takes the data folder for this process, or throws DataDirInUseError when a live
 * process holds it. A lock left by a process that is gone (killed with SIGKILL) is
 * taken over; so is one holding our own pid, which a restarted container reuses.
 * (Two processes taking over one stale lock in the same instant could both get it:
 * starts are not that close in practice.)
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const path = join(dataDir, LOCK_FILE)
  for (;;) {
    try {
      await writeFile(path, `${process.pid}\n`, { flag: 'wx' })
      return { release: () => rm(path, { force: true }) }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = await readHolder(path)
    if (holder !== undefined && holder !== process.pid && isRunning(holder)) {
      throw new DataDirInUseError(dataDir, holder, path)
    }
    await rm(path, { force: true })
  }
}

/** The pid in the lock file; undefined when the file is gone or never got one. */
async function readHolder(path: string): Promise<number | undefined> {
  const deadline = Date.now() + PID_WAIT_MS
  for (;;) {
    const text = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
    if (text === undefined) return undefined
    if (/^\d+\s*$/.test(text)) return Number(text)
    if (Date.now() > deadline) return undefined
    await new Promise((resolve) => setTimeout(resolve, PID_POLL_MS))
  }
}

/** Signal 0 checks that a process exists; EPERM means it exists under another user. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
