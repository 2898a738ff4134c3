import { createSessions, type NewSession } from '../../src/auth/sessions.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'

/**
 * A session made through the session service, for tests that make sessions directly:
 * the password version of a freshly made account (1) unless told, and a failure is a
 * thrown error.
 */
export async function createTestSession(
  db: Database,
  input: Omit<NewSession, 'passwordVersion'> & { passwordVersion?: number },
  { now, policy }: { now: Date; policy: SessionPolicy },
) {
  const sessions = createSessions({ db, policy, clock: () => now })
  const created = await sessions.create({ passwordVersion: 1, ...input })
  if (!created.ok) throw new Error(`create: ${created.code}`)
  return created
}
