import { randomBytes } from 'node:crypto'
import type { Queryable } from '../db/database.js'

/**
 * The secret that signs cookies: SECRET_KEY when configured, else one generated
 * by whichever instance starts first and kept in the database, so restarts and
 * every instance agree without setup. The insert is a no-op when a
 * secret already exists, so two instances starting together end with the same one.
 */
export async function loadServerSecret(
  db: Queryable,
  configured: string | undefined,
): Promise<string> {
  if (configured) return configured
  await db.query(
    `INSERT INTO server_secrets (name, value) VALUES ('cookie-signing', $1)
     ON CONFLICT (name) DO NOTHING`,
    [randomBytes(32).toString('base64url')],
  )
  const [row] = await db.query<{ value: string }>(
    `SELECT value FROM server_secrets WHERE name = 'cookie-signing'`,
  )
  if (!row) throw new Error('server secret missing after insert')
  return row.value
}
