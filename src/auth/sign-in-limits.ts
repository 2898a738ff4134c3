import { createHash } from 'node:crypto'
import type { FailureLimit, SignInLimits } from '../config.js'
import type { Queryable } from '../db/database.js'
import { clientAddressKey } from './client-address.js'
import { retryAfterSeconds, waitsByFailureCount } from './limit-waits.js'
import { usernameKey } from './usernames.js'

// Brute-force limits on sign-in (DESIGN.md "Brute force", docs/decisions/0005), kept
// in the attempt_limits table so that they hold across instances and restarts.
//
// An attempt is counted *before* its password is verified, in the statement that
// checks the limits, and uncounted if it succeeds. Counting after the verification
// would let a burst of parallel requests all pass the check before the first
// failure is written, each one a free guess beyond the limit.

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/** Whose attempt this is, as the counters know it. */
export interface SignInSubject {
  /** sha256 of the folded name: the same for a name that exists and one that does not. */
  nameKey: string
  addressKey: string
}

export function signInSubject(typedName: string, ip: string): SignInSubject {
  const nameKey = createHash('sha256').update(usernameKey(typedName.trim())).digest('base64url')
  return { nameKey, addressKey: clientAddressKey(ip) }
}

/**
 * The keys of the three counters of an attempt, always in this order (the order of
 * the statements below): every statement takes their row locks in the same order,
 * so that two statements never wait for each other.
 */
function counterKeys(
  subject: SignInSubject,
): [nameAddress: string, account: string, address: string] {
  return [`${subject.addressKey} ${subject.nameKey}`, subject.nameKey, subject.addressKey]
}

/** Per counter, in counterKeys order: its key, its window and its waits. */
function counterParams(subject: SignInSubject, limits: SignInLimits): unknown[] {
  const [nameAddress, account, address] = counterKeys(subject)
  const params = (key: string, limit: FailureLimit) => [
    key,
    limit.windowSeconds,
    waitsByFailureCount({ ...limits, maxFailures: limit.maxFailures }),
  ]
  return [
    ...params(nameAddress, limits.perNameAndAddress),
    ...params(account, limits.perAccount),
    ...params(address, limits.perAddress),
  ]
}

type SignInScope = 'name_address' | 'account' | 'address'

const NOW = '$1::timestamptz'

/**
 * Counts the attempt on one counter unless it is waiting. A window that has passed
 * starts again at 1; the wait is looked up by the new count in the counter's list
 * (waitsByFailureCount), so below the limit blocked_until is simply now. `source`
 * gates the insert: the previous counter's CTE, so that a counter is only counted
 * when the one before it was, and in that order.
 */
function countCte(scope: SignInScope, firstParam: number, source: string): string {
  const key = `$${firstParam}::text`
  const windowStart = `${NOW} - $${firstParam + 1}::int * interval '1 second'`
  const waits = `($${firstParam + 2}::int[])`
  const expired = `l.window_started_at <= ${windowStart}`
  const next = `CASE WHEN ${expired} THEN 1 ELSE l.attempts + 1 END`
  return `${scope} AS (
    INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
    SELECT '${scope}', ${key}, 1, ${NOW}, ${NOW} + ${waits}[1] * interval '1 second' ${source}
    ON CONFLICT (scope, key) DO UPDATE SET
      attempts = ${next},
      window_started_at = CASE WHEN ${expired} THEN ${NOW} ELSE l.window_started_at END,
      blocked_until = ${NOW} + ${waits}[LEAST(${next}, cardinality(${waits}))] * interval '1 second'
    WHERE l.blocked_until <= ${NOW}
    RETURNING 1
  )`
}

// One round trip. `blocked` reads the three counters first: if one is waiting,
// nothing is counted. Each counter's own WHERE repeats the check on the row's
// latest version, for an attempt that races another one to the limit.
const CLAIM_SQL = `WITH blocked AS (
    SELECT blocked_until FROM attempt_limits
     WHERE (scope, key) IN (('name_address', $2), ('account', $5), ('address', $8))
       AND blocked_until > ${NOW}
  ),
  ${countCte('name_address', 2, 'WHERE NOT EXISTS (SELECT 1 FROM blocked)')},
  ${countCte('account', 5, 'FROM name_address')},
  ${countCte('address', 8, 'FROM account')}
  SELECT (SELECT max(blocked_until) FROM blocked) AS blocked_until,
         EXISTS (SELECT 1 FROM address) AS counted`

/**
 * Lets a sign-in attempt through, counting it on all three counters, or refuses it
 * with the time to wait, counting nothing. Called before the password is looked at,
 * so that a refused attempt costs no argon2 verification, whatever the name.
 */
export async function claimSignInAttempt(
  db: Queryable,
  subject: SignInSubject,
  { limits, now }: { limits: SignInLimits; now: Date },
): Promise<AttemptDecision> {
  const [row] = await db.query<{ blocked_until: Date | null; counted: boolean }>(CLAIM_SQL, [
    now,
    ...counterParams(subject, limits),
  ])
  if (row?.counted) return { allowed: true }
  // A race lost on a counter's own check: the statement's snapshot did not see the
  // wait that refused it. (The counters before that one keep the count: at most one
  // per attempt in flight at that instant, erring on the strict side.)
  const until = row?.blocked_until ?? (await latestWaitEnd(db, subject, now))
  return { allowed: false, retryAfterSeconds: until ? retryAfterSeconds(until, now) : 1 }
}

async function latestWaitEnd(db: Queryable, subject: SignInSubject, now: Date) {
  const [row] = await db.query<{ until: Date | null }>(
    `SELECT max(blocked_until) AS until FROM attempt_limits
      WHERE (scope, key) IN (('name_address', $1), ('account', $2), ('address', $3))
        AND blocked_until > $4`,
    [...counterKeys(subject), now],
  )
  return row?.until ?? null
}

/**
 * After a successful sign-in: the name's counters start again (from this address,
 * and for the account), and the address takes back the attempt it counted, as only
 * failures count against an address. Deletes run in the counters' lock order: a
 * CTE referenced by the next statement has run before that one takes its locks.
 */
export async function settleSuccessfulSignIn(
  db: Queryable,
  subject: SignInSubject,
  { limits, now }: { limits: SignInLimits; now: Date },
): Promise<void> {
  await db.query(
    `WITH name_address AS (
       DELETE FROM attempt_limits WHERE scope = 'name_address' AND key = $1 RETURNING 1
     ), account AS (
       DELETE FROM attempt_limits
        WHERE scope = 'account' AND key = $2 AND (SELECT count(*) FROM name_address) >= 0
       RETURNING 1
     )
     UPDATE attempt_limits SET
       attempts = GREATEST(attempts - 1, 0),
       -- Below the limit again: the wait this attempt started, if any, is lifted.
       blocked_until = CASE WHEN attempts - 1 < $4 THEN LEAST(blocked_until, $5)
                            ELSE blocked_until END
      WHERE scope = 'address' AND key = $3 AND (SELECT count(*) FROM account) >= 0`,
    [...counterKeys(subject), limits.perAddress.maxFailures, now],
  )
}
