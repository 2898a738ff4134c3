import type { AccountPolicy, AccountServices } from '../../src/auth/accounts.js'
import { createMembers } from '../../src/auth/members.js'
import { createSessions } from '../../src/auth/sessions.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'

const TEST_SESSION_POLICY: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43_200,
  rememberTimeoutSeconds: 2_592_000,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}

/** The services registerAccount and the account changes work with, as buildApp makes them, without caches. */
export function accountServices(
  db: Database,
  policy: AccountPolicy,
  { sessionPolicy = TEST_SESSION_POLICY, clock = () => new Date() } = {},
): AccountServices {
  return {
    db,
    policy,
    sessions: createSessions({ db, policy: sessionPolicy, clock }),
    members: createMembers({ db }),
  }
}
