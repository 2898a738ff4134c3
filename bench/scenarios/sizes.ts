import { createSchema, seed, sql } from '../databases.js'
import { knownSessions } from '../known-sessions.js'
import { log } from '../log.js'
import { serverEnv } from '../servers.js'
import { ADMIN_URL, KNOWN_SESSIONS, SCENARIOS } from '../settings.js'
import { both } from './side-by-side.js'

/**
 * Scenarios 4 and 5: whether the pages stay as fast as the tables grow. 4, a deep
 * page of the member list with 1,000 members, then 1,000,000; 5, the signed-in home
 * page with 1,000 session rows, then 1,000,000.
 */
export async function sizeScenarios() {
  const want4 = SCENARIOS.includes('4')
  const want5 = SCENARIOS.includes('5')
  if (!want4 && !want5) return
  const small = await createSchema()
  log(`schema ${small.name}: 1,000 members, ${KNOWN_SESSIONS} sessions`)
  await seed({ DATABASE_URL: small.url }, 1_000)
  const cookies = await knownSessions(small, KNOWN_SESSIONS)
  const env = serverEnv(small)
  const [{ min }] = (await sql(small.url, 'SELECT min(id)::int AS min FROM users')) as [
    { min: number },
  ]
  const deep = `/?after=${min + 60}` // the last page but one, near the end of the list
  const spec = (path: string) => ({ env, path, cookies, expect: 'Signed in as member' })
  if (want4) await both('4a', `deep page ${deep}, 1,000 members`, spec(deep), spec(deep))
  if (want5) {
    await both('5a', 'signed-in GET /, 1,000 session rows', spec('/'), spec('/'))
    log(`schema ${small.name}: adding 999,000 sessions`)
    await seed({ DATABASE_URL: small.url }, 0, 999_000)
    // A table in steady state: not measured while autovacuum works through a
    // million fresh rows.
    await sql(ADMIN_URL, `VACUUM ANALYZE ${small.name}.sessions`)
    await both('5b', 'signed-in GET /, 1,000,000 session rows', spec('/'), spec('/'))
  }
  if (want4) {
    const big = await createSchema()
    log(`schema ${big.name}: 1,000,000 members, ${KNOWN_SESSIONS} sessions`)
    await seed({ DATABASE_URL: big.url }, 1_000_000)
    await sql(ADMIN_URL, `ANALYZE ${big.name}.users`)
    const bigCookies = await knownSessions(big, KNOWN_SESSIONS)
    const [{ min: bigMin }] = (await sql(big.url, 'SELECT min(id)::int AS min FROM users')) as [
      { min: number },
    ]
    const bigDeep = `/?after=${bigMin + 60}`
    const bigSpec = {
      env: serverEnv(big),
      path: bigDeep,
      cookies: bigCookies,
      expect: 'Signed in as member',
    }
    await both('4b', `deep page ${bigDeep}, 1,000,000 members`, bigSpec, bigSpec)
  }
}
