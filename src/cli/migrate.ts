import { defineCommand } from './command.js'

// `logon migrate`: the schema brought up to date, as every start does, for a deploy
// that migrates before it rolls the new code out (docs/deploy.md, Rolling deploys).

const USAGE = `Usage: logon migrate [--json]

Applies the migrations not yet applied to the database the server uses: DATABASE_URL,
or the embedded one in DATA_DIR (stop the server first). Every start does the same;
this runs them alone, before a deploy. Safe to run again: applies nothing then.

  --json   print {"database": …, "applied": [names]} instead of lines
  --help   this text
`

export const migrateCommand = defineCommand({
  name: 'logon migrate',
  summary: 'apply the migrations not yet applied',
  usage: USAGE,
  options: { json: { type: 'boolean', default: false } },
  check: (values) => ({ json: values.json }),
  async run({ json }, context) {
    const { applied, description } = await context.openDatabase({ poolSize: 1 })
    if (json) {
      process.stdout.write(`${JSON.stringify({ database: description, applied })}\n`)
    } else if (applied.length === 0) {
      process.stdout.write(`${description} is up to date.\n`)
    } else {
      process.stdout.write(`Applied to ${description}:\n${applied.map((n) => `  ${n}\n`).join('')}`)
    }
    return 0
  },
})
