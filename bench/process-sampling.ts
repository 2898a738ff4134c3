import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

// CPU time and memory of processes, read from /proc (proc(5)): the app's, and that of
// every postgres process, since a query's work is done in a backend, not in the app.

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

/** CPU ticks of every postgres process (a backend that exits is counted by its parent). */
export function postgresTicks(): number {
  let sum = 0
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres') sum += statTicks(pid)
    } catch {
      // gone meanwhile
    }
  }
  return sum
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
 * Starts sampling a process's resident memory every 100 ms; the function returned
 * stops it and gives the peak in KiB, its own high-water mark (VmHWM) included.
 */
export function samplePeakRss(pid: number): () => number {
  let peakRss = 0
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, statusKiB(pid, 'VmRSS'))
  }, 100)
  return () => {
    clearInterval(sampler)
    return Math.max(peakRss, statusKiB(pid, 'VmHWM'))
  }
}
