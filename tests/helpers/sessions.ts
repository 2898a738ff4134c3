import { createSession, type NewSession } from '../../src/auth/sessions.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'

/**
 * createSession for tests that make sessions directly: the password version of a
 * freshly made account (1) unless told, and a failure is a thrown error.
 */
export async function createTestSession(
  db: Database,
  input: Omit<NewSession, 'passwordVersion'> & { passwordVersion?: number },
  options: { now: Date; policy: SessionPolicy },
) {
  const created = await createSession(db, { passwordVersion: 1, ...input }, options)
  if (!created.ok) throw new Error(`createSession: ${created.code}`)
  return created
}
