import type { Measurement } from './measure.js'

// What the scenarios found, gathered for the table, the summary and the results file.

export interface Row {
  scenario: string
  label: string
  logon: Measurement
  baseline?: Measurement
  /** Other servers measured the same way, shown with their ratio to the baseline. */
  references?: Array<{ side: string; measurement: Measurement }>
}

export const rows: Row[] = []
/** Figures that are no table row: the sign-in storm's, the cold start's, page sizes. */
export const notes: Record<string, unknown> = {}

export function byScenario(id: string) {
  return rows.find((row) => row.scenario === id)
}
