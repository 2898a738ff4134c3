import { baselinePagesEnv } from '../baseline-pages.js'
import { rows, type Row } from '../findings.js'
import { log } from '../log.js'
import { measure, type Measurement, type SideSpec } from '../measure.js'
import { printRow } from '../table.js'

/**
 * The baseline's side as Logon's answer in `logon` makes it: the page Logon sent as
 * its template, and that page as what its own answer must be. `digitsDiffer`: the
 * two sides run on databases of their own (ids and dates differ).
 */
export function asLogonSent(spec: SideSpec, logon: Measurement, digitsDiffer = false): SideSpec {
  const pagesEnv = logon.page ? baselinePagesEnv(logon.page, spec.path) : {}
  if (!logon.page || !pagesEnv.BASELINE_PAGES) return spec
  return {
    ...spec,
    env: { ...spec.env, ...pagesEnv },
    samePageAs: { page: logon.page, digitsDiffer },
  }
}

/** One row of the table: Logon, then the baseline, measured alike one after the other. */
export async function both(
  scenario: string,
  label: string,
  logon: SideSpec,
  baseline: SideSpec,
  { digitsDiffer = false } = {},
) {
  log(`scenario ${scenario}: ${label}`)
  const row: Row = { scenario, label, logon: await measure('logon', logon) }
  row.baseline = await measure('baseline', asLogonSent(baseline, row.logon, digitsDiffer))
  rows.push(row)
  printRow(row)
  return row
}
