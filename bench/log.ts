// Progress, and each scenario's rows as they are measured, go to stderr; the final
// table goes to stdout, so `npm run bench > file` keeps only the report.
export function log(line: string) {
  process.stderr.write(`${line}\n`)
}
