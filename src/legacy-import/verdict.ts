import { checkPasswordPolicy } from '../auth/passwords.js'
import { checkNewUsername } from '../auth/usernames.js'
import type { SkippedName, SkipReason, WeakReason } from './report.js'
import type { SharedNames } from './shared-names.js'
import type { LegacyLogin } from './source.js'

// One row of the source judged on its own (and against the names the source shares):
// skipped with its reason, or a candidate for an account. Whether Logon already has
// the name is asked afterwards, a batch at a time (existing-accounts.ts).

export type Verdict =
  | { kind: 'skip'; skipped: SkippedName }
  | {
      kind: 'import'
      username: string
      key: string
      skeleton: string
      password: string
      weak?: WeakReason
    }

export type Candidate = Extract<Verdict, { kind: 'import' }>

export function judgeRow(
  row: LegacyLogin,
  shared: SharedNames,
  passwordMinLength: number,
): Verdict {
  const skip = (reason: SkipReason, extra: Partial<SkippedName> = {}): Verdict => ({
    kind: 'skip',
    skipped: {
      username: typeof row.username === 'string' ? row.username : null,
      reason,
      ...extra,
    },
  })
  if (row.username === null || row.username === undefined) return skip('username_missing')
  if (typeof row.username !== 'string') return skip('username_not_text')
  const name = checkNewUsername(row.username)
  if (!name.ok) return skip(name.code)
  const sameKeyCount = shared.keys.get(name.key)
  if (sameKeyCount !== undefined) {
    return skip('duplicate_in_source', { key: name.key, sameKeyCount })
  }
  const lookAlikeCount = shared.skeletons.get(name.skeleton)
  if (lookAlikeCount !== undefined) return skip('look_alike_in_source', { lookAlikeCount })
  const password = row.password
  if (password === null || password === undefined || password === '') {
    return skip('password_missing')
  }
  if (typeof password !== 'string') return skip('password_not_text')
  const policy = checkPasswordPolicy(password, passwordMinLength)
  const { username, key, skeleton } = name
  const candidate: Candidate = { kind: 'import', username, key, skeleton, password }
  if (policy.ok) return candidate
  if (policy.code === 'password_too_long') return skip('password_too_long')
  return { ...candidate, weak: policy.code }
}
