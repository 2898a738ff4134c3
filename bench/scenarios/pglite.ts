import { join } from 'node:path'
import { tmp } from '../children.js'
import { createSchema, seed } from '../databases.js'
import { notes } from '../findings.js'
import { knownPGliteSessions, knownSessions } from '../known-sessions.js'
import { log } from '../log.js'
import { embeddedEnv, serverEnv } from '../servers.js'
import { KNOWN_SESSIONS, SCENARIOS } from '../settings.js'
import { both } from './side-by-side.js'

/**
 * Scenario 7, the PGlite section: Logon on the embedded engine (a data folder of its
 * own with 10,000 members and sessions we know), the baseline on PostgreSQL with the
 * same data, since it has no embedded side. The rows compare unlike setups on purpose:
 * what one process on PGlite does against the usual pair of app and database server.
 */
export async function pgliteScenarios() {
  if (!SCENARIOS.includes('7')) return
  const dataDir = join(tmp, 'pglite-7')
  log(`PGlite in ${dataDir}: 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATA_DIR: dataDir }, 10_000)
  const cookies = await knownPGliteSessions(dataDir, KNOWN_SESSIONS)
  const env = embeddedEnv(dataDir)
  const schema = await createSchema()
  log(`schema ${schema.name} (baseline): 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: schema.url }, 10_000)
  const baselineEnv = serverEnv(schema)
  const baselineCookies = await knownSessions(schema, KNOWN_SESSIONS)
  await both(
    '7',
    'PGlite: signed-in GET /, 10k members, 1,000 cookies',
    { env, path: '/', cookies, expect: 'Signed in as member', withoutPostgres: true },
    { env: baselineEnv, path: '/', cookies: baselineCookies, expect: 'Signed in as member' },
    { digitsDiffer: true },
  )
  // As in scenario 2: the sign-in page, Logon's on PGlite, the baseline's on PostgreSQL.
  const row = await both(
    '7b',
    'PGlite: anonymous GET /login',
    { env, path: '/login', expect: '<form', withoutPostgres: true },
    { env: baselineEnv, path: '/login', expect: '<form' },
    { digitsDiffer: true },
  )
  notes.pgliteLoginPageBytes = row.logon.pageBytes
}
