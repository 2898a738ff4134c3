import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

// CPU time and memory of processes, read from /proc (proc(5)): the app's, and that of
// the postgres processes (bench/postgres-cpu.ts), since a query's work is done in a
// backend, not in the app.

/** The clock ticks a second that /proc counts CPU time in. */
export const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK']).toString())

export function statTicks(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    // utime, stime, cutime, cstime: fields 14 to 17 of proc(5), 12 to 15 after the name.
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0)
  } catch {
    return 0 // the process has gone
  }
}

/** The processes whose parent is `pid` (proc(5) field 4), e.g. the workers of WEB_CONCURRENCY. */
export function childPids(pid: number): number[] {
  const found: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) {
        found.push(Number(entry))
      }
    } catch {
      // gone meanwhile
    }
  }
  return found
}

/** `pid` and its children (a cluster primary and its workers), each with its CPU ticks. */
export function treeTicks(pid: number): Map<number, number> {
  return new Map([pid, ...childPids(pid)].map((p) => [p, statTicks(p)]))
}

export const sumOf = (ticks: Map<number, number>) =>
  [...ticks.values()].reduce((sum, n) => sum + n, 0)

/** utime and stime only: the process's own CPU, not that of children it has reaped. */
export function ownTicks(pid: number | string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return Number(fields[11]) + Number(fields[12])
  } catch {
    return 0 // the process has gone
  }
}

/** The pids of every postgres process now, each with its own CPU ticks. */
export function postgresProcessTicks(): Map<number, number> {
  const ticks = new Map<number, number>()
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') {
        ticks.set(Number(pid), ownTicks(pid))
      }
    } catch {
      // gone meanwhile
    }
  }
  return ticks
}

export function statusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0)
  } catch {
    return 0
  }
}

export const ticksToUs = (ticks: number) => (ticks * 1_000_000) / CLK_TCK

/**
 * Starts sampling the resident memory of a process and its children (a cluster's
 * workers) every 100 ms; the function returned stops it and gives the peak of their
 * sum in KiB, or the sum of their own high-water marks (VmHWM) when that is more.
 */
export function samplePeakRss(pid: number): () => number {
  // The children are looked for every 2 s only: a scan of /proc takes CPU from the app.
  let tree = [pid, ...childPids(pid)]
  let samples = 0
  const sum = (field: 'VmRSS' | 'VmHWM') =>
    tree.reduce((total, p) => total + statusKiB(p, field), 0)
  let peakRss = 0
  const sampler = setInterval(() => {
    if (++samples % 20 === 0) tree = [pid, ...childPids(pid)]
    peakRss = Math.max(peakRss, sum('VmRSS'))
  }, 100)
  return () => {
    clearInterval(sampler)
    return Math.max(peakRss, sum('VmHWM'))
  }
}
