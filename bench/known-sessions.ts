import { generateSessionTokens, hashSessionSecret } from '../src/auth/tokens.js'
import { sessionCookieName } from '../src/http/session-cookie.js'
import { sql, type Schema } from './databases.js'

// The signed-in scenarios' cookies: sessions whose secrets the bench knows, written
// straight into the database (the seed's sessions have secrets nobody keeps). Tokens
// and hashes are made by src/auth/tokens.ts, as sign-in makes them.

type Query = (text: string, params: unknown[]) => Promise<Array<Record<string, unknown>>>

/** Sessions with secrets we know, for the first `count` users: their cookies. */
async function insertKnownSessions(query: Query, count: number): Promise<string[]> {
  const users = await query('SELECT id FROM users ORDER BY id LIMIT $1', [count])
  const tokens = generateSessionTokens(users.length)
  await query(
    `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at, remember, user_agent, ip)
     SELECT id, decode(hash, 'hex'), user_id, now(), now(), now() + interval '12 hours',
            false, 'bench', '127.0.0.1'
       FROM unnest($1::text[], $2::text[], $3::bigint[]) AS t(id, hash, user_id)`,
    [
      tokens.map((t) => t.id),
      tokens.map((t) => hashSessionSecret(t.secret).toString('hex')),
      users.map((u) => u.id),
    ],
  )
  // Logon's cookie when not Secure: the bench serves plain http, without NODE_ENV.
  return tokens.map((t) => `${sessionCookieName(false)}=${t.token}`)
}

export const knownSessions = (schema: Schema, count: number) =>
  insertKnownSessions((text, params) => sql(schema.url, text, params), count)

/**
 * The same, written straight into a PGlite data folder from this process. Only while
 * no Logon runs on it: PGlite is single-process (Logon locks DATA_DIR), and close()
 * writes everything to the folder before a server opens it.
 */
export async function knownPGliteSessions(dataDir: string, count: number): Promise<string[]> {
  // Loaded here only: PGlite's module is large, and the other scenarios have no use for it.
  const { PGlite } = await import('@electric-sql/pglite')
  const db = new PGlite(dataDir)
  try {
    return await insertKnownSessions(
      async (text, params) => (await db.query<Record<string, unknown>>(text, params)).rows,
      count,
    )
  } finally {
    await db.close()
  }
}
