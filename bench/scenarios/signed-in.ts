import { createSchema, seed } from '../databases.js'
import { notes, rows, type Row } from '../findings.js'
import { knownSessions } from '../known-sessions.js'
import { log } from '../log.js'
import { measure } from '../measure.js'
import { serverEnv } from '../servers.js'
import { KNOWN_SESSIONS, SCENARIOS } from '../settings.js'
import { printRow, rowLines } from '../table.js'
import { asLogonSent, both } from './side-by-side.js'
import { signInStorm } from './sign-in-storm.js'

/**
 * Scenarios 1 to 3, 8 and 9 on one schema of 10,000 members: the signed-in home page
 * (Logon as one process and as two workers), the anonymous sign-in page (with the
 * floors that show where the distance to the baseline comes from), the sign-in storm,
 * a forward-auth sub-request, and the API's GET /api/v1/session with bearer tokens
 * (the same sessions as the cookies).
 */
export async function signedInScenarios() {
  const schema = await createSchema()
  log(`schema ${schema.name}: 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: schema.url }, 10_000)
  const cookies = await knownSessions(schema, KNOWN_SESSIONS)
  const env = serverEnv(schema)
  if (SCENARIOS.includes('1')) {
    // Logon as one process, then as WEB_CONCURRENCY=2 workers (docs/deploy.md), then
    // the baseline: the two Logons next to each other, as the machine drifts.
    const label = 'signed-in GET /, 10k members, 1,000 cookies'
    log(`scenario 1: ${label}`)
    const spec = { env, path: '/', cookies, expect: 'Signed in as member' }
    const row: Row = {
      scenario: '1',
      label,
      logon: await measure('logon', { ...spec, countUpdatesIn: schema.name }),
    }
    const twoWorkers = await measure('logon', {
      ...spec,
      env: { ...env, WEB_CONCURRENCY: '2' },
      countUpdatesIn: schema.name,
    })
    row.baseline = await measure('baseline', asLogonSent(spec, row.logon))
    row.references = [{ side: 'N=2', measurement: twoWorkers }]
    rows.push(row)
    printRow(row)
  }
  if (SCENARIOS.includes('2')) {
    const row = await both(
      '2',
      'anonymous GET /login',
      { env, path: '/login', expect: '<form' },
      { env, path: '/login', expect: '<form' },
    )
    notes.loginPageBytes = row.logon.pageBytes
    // Where the distance to the baseline comes from: Fastify itself sending a page of
    // the size of Logon's, then a per-visitor anti-forgery token with the official
    // plugins (bench/login-floors.ts). And the baseline once more: the machine's speed
    // drifts within a run, and the floors are measured after the first one.
    const floor = {
      env: { BASELINE_LOGIN_BYTES: String(row.logon.pageBytes) },
      path: '/login',
      expect: '<form',
      withoutPostgres: true,
    }
    row.references = [
      { side: 'fastify', measurement: await measure('fastify-floor', floor) },
      { side: '+token', measurement: await measure('token-floor', floor) },
      {
        side: 'base ²',
        measurement: await measure(
          'baseline',
          asLogonSent({ env, path: '/login', expect: '<form' }, row.logon),
        ),
      },
    ]
    for (const line of rowLines(row).slice(3)) log(line)
  }
  if (SCENARIOS.includes('8')) {
    await both(
      '8',
      'signed-in GET /auth/verify, 1,000 cookies',
      { env, path: '/auth/verify', cookies, expect: '' },
      { env, path: '/auth/verify', cookies, expect: '' },
    )
  }
  if (SCENARIOS.includes('9')) {
    // Its yardstick is scenario 1, Logon's signed-in page, in this run (summary.ts).
    const tokens = cookies.map((cookie) => `Bearer ${cookie.slice(cookie.indexOf('=') + 1)}`)
    const row = {
      scenario: '9',
      label: 'GET /api/v1/session, 1,000 bearer tokens',
      logon: await measure('logon', {
        env,
        path: '/api/v1/session',
        cookies: tokens,
        credentialHeader: 'authorization',
        expect: '"username":"member',
      }),
    }
    rows.push(row)
    for (const line of rowLines(row)) log(line)
  }
  if (SCENARIOS.includes('3')) await signInStorm(schema, cookies)
}
