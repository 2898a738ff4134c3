import { rows, type Row } from '../findings.js'
import { log } from '../log.js'
import { measure, type SideSpec } from '../measure.js'
import { printRow } from '../table.js'

/** One row of the table: Logon, then the baseline, measured alike one after the other. */
export async function both(scenario: string, label: string, logon: SideSpec, baseline: SideSpec) {
  log(`scenario ${scenario}: ${label}`)
  const row: Row = { scenario, label, logon: await measure('logon', logon) }
  row.baseline = await measure('baseline', baseline)
  rows.push(row)
  printRow(row)
  return row
}
