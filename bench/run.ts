import { availableParallelism, cpus, totalmem } from 'node:os'
import { cleanUp } from './children.js'
import { otherPostgresClients } from './databases.js'
import { rows } from './findings.js'
import { log } from './log.js'
import { writeResults } from './results-file.js'
import { coldStart } from './scenarios/cold-start.js'
import { pgliteScenarios } from './scenarios/pglite.js'
import { signedInScenarios } from './scenarios/signed-in.js'
import { sizeScenarios } from './scenarios/sizes.js'
import { ADMIN_URL, CONNECTIONS, LOADER, SECONDS, WARMUP } from './settings.js'
import { summary } from './summary.js'
import { HEADER, rowLines } from './table.js'

// `npm run bench`: Logon and the baseline (bench/baseline.ts: node:http and pg, careful,
// sending Logon's own page bytes) side by side on the real PostgreSQL server, each in a
// process of its own and driven by a load generator in a third (Debian's wrk,
// bench/wrk.ts, or autocannon, bench/load.ts), whose own CPU is reported. For each
// side: a fresh server, a warm-up, then a measured run, with CPU time of the app (all
// its workers) and of PostgreSQL (bench/postgres-cpu.ts) read from /proc
// (bench/measure.ts). Scenario 1 measures Logon as one process and as two workers
// (WEB_CONCURRENCY=2). A second section (scenario 7) runs Logon on PGlite, the embedded
// engine, in a data folder of its own, beside the same baseline on PostgreSQL: PGlite
// runs inside Logon's process, so its CPU is in Logon's app µs/req and its pg µs/req is
// '-'. Prints one table and writes the raw figures to bench/results/<timestamp>.json.
// The scenarios are in bench/scenarios/, the environment variables in bench/settings.ts.

async function main() {
  const started = performance.now()
  const others = await otherPostgresClients()
  if (others > 0) {
    log(
      `warning: ${others} other client(s) connected to PostgreSQL: their backends are left out of pg µs/req, but they share the machine`,
    )
  }
  await signedInScenarios()
  await sizeScenarios()
  await coldStart()
  await pgliteScenarios()
  const elapsedS = (performance.now() - started) / 1000
  const machine = `${cpus()[0]?.model ?? 'cpu'}, ${availableParallelism()} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`
  const table = [HEADER, ...rows.flatMap(rowLines)]
  const text = [
    `npm run bench: ${SECONDS} s measured after ${WARMUP} s warm-up, ${CONNECTIONS} connections, load by ${LOADER}, PostgreSQL at ${new URL(ADMIN_URL).host}`,
    `machine: ${machine}`,
    ...table,
    ...summary(),
    `run took ${elapsedS.toFixed(0)} s`,
  ].join('\n')
  process.stdout.write(`\n${text}\n`)
  const file = writeResults({
    machine,
    otherPostgresClients: others,
    elapsedSeconds: elapsedS,
    table: text,
  })
  process.stdout.write(`raw figures: ${file}\n`)
}

try {
  await main()
} catch (error) {
  log(`bench failed: ${error instanceof Error ? error.message : String(error)}`)
  process.exitCode = 1
} finally {
  await cleanUp()
}
