import { verifyCredentials, type AccountPolicy } from '../../src/auth/accounts.js'
import type { HashLease } from '../../src/auth/hash-queue.js'
import { admitPasswordHashing } from '../../src/auth/passwords.js'
import type { User } from '../../src/auth/users.js'
import type { Queryable } from '../../src/db/database.js'

/** Runs `work` under a place in the line of hashes, as a route does, without a claimant. */
export async function underLease<T>(work: (lease: HashLease) => Promise<T>): Promise<T> {
  const admission = admitPasswordHashing(undefined)
  if (!admission.ok) throw new Error(`the line of hashes refused: ${admission.reason}`)
  try {
    return await work(admission.lease)
  } finally {
    admission.lease.release()
  }
}

/** The user whose name and password these are, or null: verifyCredentials for tests. */
export async function authenticate(
  db: Queryable,
  input: { username: string; password: string },
  { policy }: { policy: AccountPolicy },
): Promise<User | null> {
  const result = await underLease((lease) => verifyCredentials(db, input, { policy, lease }))
  return result.ok ? result.user : null
}
