import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { children, cleanEnv, stop, tmp } from '../children.js'
import { seed } from '../databases.js'
import { notes } from '../findings.js'
import { log } from '../log.js'
import { statusKiB } from '../process-sampling.js'
import { freePort, waitFor200 } from '../servers.js'
import { LOGON_NODE_ARGS, ROOT, SCENARIOS } from '../settings.js'

/** Scenario 6: from start to the first 200 of /healthz on PGlite, three times. */
export async function coldStart() {
  if (!SCENARIOS.includes('6')) return
  log('scenario 6: cold start on PGlite with 10,000 members')
  const dataDir = join(tmp, 'pglite')
  await seed({ DATA_DIR: dataDir }, 10_000)
  const times: number[] = []
  const rss: number[] = []
  for (let i = 0; i < 3; i++) {
    const port = await freePort()
    const started = performance.now()
    const child = spawn(process.execPath, [...LOGON_NODE_ARGS, join(ROOT, 'dist', 'main.js')], {
      cwd: ROOT,
      env: cleanEnv({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' }),
      stdio: ['ignore', 'inherit', 'inherit'],
    })
    children.add(child)
    await waitFor200(`http://127.0.0.1:${port}/healthz`, 60_000)
    times.push(performance.now() - started)
    rss.push(statusKiB(child.pid!, 'VmHWM') / 1024)
    await stop(child)
  }
  notes.coldStartMs = times
  notes.coldStartRssMiB = rss
  const median = [...times].sort((a, b) => a - b)[1]!
  log(`  start to first 200 from /healthz: ${times.map((t) => t.toFixed(0)).join(', ')} ms`)
  notes.coldStartMedianMs = median
}
