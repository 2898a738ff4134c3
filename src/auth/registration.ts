import type { HashLease } from './hash-queue.js'
import type { AccountServices } from './accounts.js'
import { checkPasswordPolicy, hashPassword } from './passwords.js'
import type { Queryable } from '../db/database.js'
import { checkNewUsername, type NewUsernameCheck } from './usernames.js'
import { usernameLooksTaken, type User } from './users.js'

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
  | { ok: true; user: User }
  | { ok: false; errors: { username?: RegistrationErrorCode; password?: RegistrationErrorCode } }

/**
 * Both fields are checked, so the form names every problem at once. A new name
 * meets the look-alike rules too (checkNewUsername); `username_taken` covers a name
 * that only looks like a taken one.
 */
export async function registerAccount(
  { db, policy, members }: Pick<AccountServices, 'db' | 'policy' | 'members'>,
  input: { username: string; password: string },
  { now, lease }: { now: Date; lease: HashLease },
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
  const inserted = await members.add({
    username: name.username,
    usernameKey: name.key,
    passwordHash,
    now,
  })
  if (!inserted.ok) return { ok: false, errors: { username: inserted.code } }
  return inserted
}

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
