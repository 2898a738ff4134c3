import type { Row } from './findings.js'
import { log } from './log.js'
import type { Measurement } from './measure.js'

// The table of `npm run bench`: a line per side, then its ratio to the baseline. The
// load generator's CPU per request (load µs/req) is its cost on the shared cores.

export const fmt = (value: number | undefined, digits = 0) =>
  value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(digits)
export const HEADER = `${'scenario'.padEnd(56)} ${'side'.padEnd(8)} ${'req/s'.padStart(7)} ${'p50 ms'.padStart(7)} ${'p99 ms'.padStart(7)} ${'errors'.padStart(7)} ${'RSS MiB'.padStart(8)} ${'app µs/req'.padStart(11)} ${'pg µs/req'.padStart(10)} ${'load µs/req'.padStart(12)}`

function line(label: string, side: string, m: Partial<Measurement>, digits = 0): string {
  const errors = m.errors === undefined ? undefined : m.errors + (m.timeouts ?? 0) + (m.non2xx ?? 0)
  return `${label.padEnd(56)} ${side.padEnd(8)} ${fmt(m.rps, digits).padStart(7)} ${fmt(m.p50, digits || 1).padStart(7)} ${fmt(m.p99, digits || 1).padStart(7)} ${fmt(errors).padStart(7)} ${fmt(m.peakRssMiB, digits || 1).padStart(8)} ${fmt(m.appUsPerRequest, digits).padStart(11)} ${fmt(m.pgUsPerRequest, digits).padStart(10)} ${fmt(m.loaderUsPerRequest, digits).padStart(12)}`
}

function ratio(a: Measurement, b: Measurement): Partial<Measurement> {
  // A figure one side lacks (pg µs/req on PGlite) gives NaN, printed '-'.
  const r = (key: keyof Measurement) => Number(a[key]) / Number(b[key])
  return {
    rps: r('rps'),
    p50: r('p50'),
    p99: r('p99'),
    peakRssMiB: r('peakRssMiB'),
    appUsPerRequest: r('appUsPerRequest'),
    pgUsPerRequest: r('pgUsPerRequest'),
  }
}

export function rowLines(row: Row): string[] {
  const label = `${row.scenario} ${row.label}`
  const lines = [line(label, 'Logon', row.logon)]
  if (row.baseline) {
    lines.push(line('', 'baseline', row.baseline))
    lines.push(line('', 'ratio', ratio(row.logon, row.baseline), 2))
    for (const { side, measurement } of row.references ?? []) {
      lines.push(line('', side, measurement))
      lines.push(line('', 'ratio', ratio(measurement, row.baseline), 2))
    }
  }
  return lines
}

export function printRow(row: Row) {
  log(rowLines(row).join('\n'))
}
