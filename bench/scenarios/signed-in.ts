import { createSchema, seed } from '../databases.js'
import { notes, rows } from '../findings.js'
import { knownSessions } from '../known-sessions.js'
import { log } from '../log.js'
import { measure } from '../measure.js'
import { loginPageBytes, serverEnv } from '../servers.js'
import { KNOWN_SESSIONS, SCENARIOS } from '../settings.js'
import { rowLines } from '../table.js'
import { both } from './side-by-side.js'
import { signInStorm } from './sign-in-storm.js'

/**
 * Scenarios 1 to 3, 8 and 9 on one schema of 10,000 members: the signed-in home page,
 * the anonymous sign-in page (with the floors that show where the distance to the bare
 * page comes from), the sign-in storm, a forward-auth sub-request, and the API's
 * GET /api/v1/session with bearer tokens (the same sessions as the cookies).
 */
export async function signedInScenarios() {
  const schema = await createSchema()
  log(`schema ${schema.name}: 10,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: schema.url }, 10_000)
  const cookies = await knownSessions(schema, KNOWN_SESSIONS)
  const env = serverEnv(schema)
  if (SCENARIOS.includes('1')) {
    await both(
      '1',
      'signed-in GET /, 10k members, 1,000 cookies',
      { env, path: '/', cookies, expect: 'Signed in as member', countUpdatesIn: schema.name },
      { env, path: '/', cookies, expect: 'Signed in as member' },
    )
  }
  if (SCENARIOS.includes('2')) {
    const size = await loginPageBytes(env)
    notes.loginPageBytes = size
    const sized = { env: { BASELINE_LOGIN_BYTES: String(size) }, path: '/login', expect: '<form' }
    const row = await both(
      '2',
      `anonymous GET /login (${size} B)`,
      { env, path: '/login', expect: '<form' },
      {
        ...sized,
        env: { ...env, ...sized.env },
      },
    )
    // Where the distance to the bare page comes from: Fastify itself, then a per-visitor
    // anti-forgery token with the official plugins (bench/login-floors.ts).
    // And the bare page once more: the machine's speed drifts within a run, and the
    // floors are measured after the first one.
    const floor = { ...sized, withoutPostgres: true }
    row.references = [
      { side: 'fastify', measurement: await measure('fastify-floor', floor) },
      { side: '+token', measurement: await measure('token-floor', floor) },
      {
        side: 'bare ²',
        measurement: await measure('baseline', { ...sized, env: { ...env, ...sized.env } }),
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
