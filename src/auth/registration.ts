import type { HashLease } from './hash-queue.js'
import type { AccountServices } from './accounts.js'
import { checkPasswordPolicy, hashPassword } from './passwords.js'
import type { Queryable } from '../db/database.js'
import { checkNewUsername, type NewUsernameCheck } from './usernames.js'
import { usernameLooksTaken, type User } from './users.js'
import { recordAuthEvent } from './events.js'
import type { NewSession, SessionCreation, Sessions } from './sessions.js'

// Making an account: the name's rules (look-alikes included) and the password's, both
// checked so the form names every problem at once, then the hash and the row, through
// the members (members.ts), which drop this instance's kept pages.

export type RegistrationErrorCode =
  | 'username_missing'
  | 'username_length'
  | 'username_characters'
  | 'username_mixed_scripts'
  | 'username_stacked_marks'
  | 'username_taken'
  | 'password_too_short'
  | 'password_too_long'
  | 'password_too_common'

export type RegistrationResult =
  | {
      ok: true
      user: User
      /** The first session, when asked for: made in the account's own transaction. */
      session?: Extract<SessionCreation, { ok: true }>
    }
  | { ok: false; errors: { username?: RegistrationErrorCode; password?: RegistrationErrorCode } }

/**
 * Both fields are checked, so the form names every problem at once. A new name
 * meets the look-alike rules too (checkNewUsername); `username_taken` covers a name
 * that only looks like a taken one.
 */
export async function registerAccount(
  {
    db,
    policy,
    members,
    sessions,
  }: Pick<AccountServices, 'db' | 'policy' | 'members'> & {
    sessions?: Sessions
  },
  input: { username: string; password: string },
  {
    now,
    lease,
    firstSession,
  }: {
    now: Date
    lease: HashLease
    /**
     * Sign the new account in: the account, its `registered` event and this session
     * commit together, or none of them (a database lost between the two left an
     * account its maker could not know was made).
     */
    firstSession?: Omit<NewSession, 'userId' | 'passwordVersion'>
  },
): Promise<RegistrationResult> {
  const name = checkNewUsername(input.username)
  const password = checkPasswordPolicy(input.password, policy.passwordMinLength)
  if (!name.ok || !password.ok) {
    return {
      ok: false,
      errors: {
        username: name.ok ? undefined : await refusal(db, name),
        password: password.ok ? undefined : password.code,
      },
    }
  }
  const passwordHash = await hashPassword(input.password, policy.passwordHash, lease)
  const row = { username: name.username, usernameKey: name.key, passwordHash, now }
  if (firstSession === undefined || sessions === undefined) {
    const inserted = await members.add(row)
    if (!inserted.ok) return { ok: false, errors: { username: inserted.code } }
    return inserted
  }
  const taken = { ok: false, errors: { username: 'username_taken' } } as const
  try {
    return await db.transaction(async (tx) => {
      const inserted = await members.add(row, tx)
      // The failed insert has spoilt the transaction: out, and nothing of it stays.
      if (!inserted.ok) throw new NameTaken()
      const { user } = inserted
      const origin = { ip: firstSession.ip, userAgent: firstSession.userAgent }
      await recordAuthEvent(tx, { userId: user.id, kind: 'registered', at: now, ...origin })
      const created = await sessions.create(
        { ...firstSession, userId: user.id, passwordVersion: user.passwordVersion },
        { tx },
      )
      // Its own row, locked, of the version just written, and no factor yet.
      if (!created.ok) throw new Error(`a new account's first session was refused: ${created.code}`)
      return { ok: true, user, session: created } as const
    })
  } catch (error) {
    if (error instanceof NameTaken) return taken
    throw error
  }
}

class NameTaken extends Error {}

/**
 * Why a name is refused. "аlice" beside "alice" breaks the one-script rule, but what
 * it tried is a taken name, and the form says so (409), as for "alicе" in one script.
 */
async function refusal(
  db: Queryable,
  name: Extract<NewUsernameCheck, { ok: false }>,
): Promise<RegistrationErrorCode> {
  if ('skeleton' in name && (await usernameLooksTaken(db, name))) return 'username_taken'
  return name.code
}
