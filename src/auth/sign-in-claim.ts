import type { SignInLimits } from '../config.js'
import type { Queryable } from '../db/database.js'
import { retryAfterSeconds } from './limit-waits.js'
import { countersOf, type Counter, type SignInScope } from './sign-in-counters.js'
import type { SignInSubject } from './sign-in-subject.js'

// The claim: one statement that checks an attempt's counters and counts it on them,
// before its password is looked at (see sign-in-limits.ts for why before).

/** A sign-in let through, with what its count started. */
export type SignInClaim =
  | {
      allowed: true
      /** The account counter's wait that this attempt started (it reached the limit), if any. */
      accountWaitUntil: Date | null
    }
  | { allowed: false; retryAfterSeconds: number }

const NOW = '$1::timestamptz'

/**
 * Counts the attempt on one counter unless it is waiting. A window that has passed
 * starts again at 1; the wait is looked up by the new count in the counter's list
 * (waitsByFailureCount), so below the limit blocked_until is simply now. `source`
 * gates the insert: the previous counter's CTE, so that a counter is only counted
 * when the one before it was, and in that order.
 */
function countCte(name: string, scope: SignInScope, firstParam: number, source: string): string {
  const key = `$${firstParam}::text`
  const windowStart = `${NOW} - $${firstParam + 1}::int * interval '1 second'`
  const waits = `($${firstParam + 2}::int[])`
  const expired = `l.window_started_at <= ${windowStart}`
  const next = `CASE WHEN ${expired} THEN 1 ELSE l.attempts + 1 END`
  return `${name} AS (
    INSERT INTO attempt_limits AS l (scope, key, attempts, window_started_at, blocked_until)
    SELECT '${scope}', ${key}, 1, ${NOW}, ${NOW} + ${waits}[1] * interval '1 second' ${source}
    ON CONFLICT (scope, key) DO UPDATE SET
      attempts = ${next},
      window_started_at = CASE WHEN ${expired} THEN ${NOW} ELSE l.window_started_at END,
      blocked_until = ${NOW} + ${waits}[LEAST(${next}, cardinality(${waits}))] * interval '1 second'
    WHERE l.blocked_until <= ${NOW}
    RETURNING blocked_until
  )`
}

/**
 * One round trip. `blocked` reads the counters first: if one is waiting, nothing is
 * counted. Each counter's own WHERE repeats the check on the row's latest version,
 * for an attempt that races another one to the limit.
 */
function claimSql(scopes: SignInScope[]): string {
  const keyParam = (i: number) => 2 + i * 3
  const ctes = scopes.map((scope, i) =>
    countCte(
      `c${i}`,
      scope,
      keyParam(i),
      i === 0 ? 'WHERE NOT EXISTS (SELECT 1 FROM blocked)' : `FROM c${i - 1}`,
    ),
  )
  const account = scopes.indexOf('account')
  return `WITH blocked AS (
    SELECT blocked_until FROM attempt_limits
     WHERE (scope, key) IN (${scopes.map((scope, i) => `('${scope}', $${keyParam(i)})`).join(', ')})
       AND blocked_until > ${NOW}
  ),
  ${ctes.join(',\n  ')}
  SELECT (SELECT max(blocked_until) FROM blocked) AS blocked_until,
         EXISTS (SELECT 1 FROM c${scopes.length - 1}) AS counted,
         ${account < 0 ? 'NULL::timestamptz' : `(SELECT blocked_until FROM c${account} WHERE blocked_until > ${NOW})`} AS account_wait_until`
}

const CLAIM_SQL = {
  account: claimSql(['name_address', 'account', 'address', 'address_sign_ins']),
  device: claimSql(['name_address', 'device', 'address', 'address_sign_ins']),
}

/**
 * Lets a sign-in attempt through, counting it on its counters, or refuses it with
 * the time to wait, counting nothing. Called before the password is looked at, so
 * that a refused attempt costs no argon2 verification, whatever the name.
 */
export async function claimSignInAttempt(
  db: Queryable,
  subject: SignInSubject,
  { limits, now }: { limits: SignInLimits; now: Date },
): Promise<SignInClaim> {
  const counters = countersOf(subject, limits)
  const [row] = await db.query<{
    blocked_until: Date | null
    counted: boolean
    account_wait_until: Date | null
  }>(subject.deviceKey === undefined ? CLAIM_SQL.account : CLAIM_SQL.device, [
    now,
    ...counters.flatMap((c) => [c.key, c.windowSeconds, c.waits]),
  ])
  if (row?.counted) return { allowed: true, accountWaitUntil: row.account_wait_until }
  // A race lost on a counter's own check: the statement's snapshot did not see the
  // wait that refused it. (The counters before that one keep the count: at most one
  // per attempt in flight at that instant, erring on the strict side.)
  const until = row?.blocked_until ?? (await latestWaitEnd(db, counters, now))
  return { allowed: false, retryAfterSeconds: until ? retryAfterSeconds(until, now) : 1 }
}

/**
 * When the wait of the counters this attempt would count on ends, if one is waiting:
 * a read only, so that an attempt the claim would refuse is refused before it takes
 * a place in the line of hashes. The claim still decides (this read can be late).
 */
export async function signInWaitEnd(
  db: Queryable,
  subject: SignInSubject,
  { limits, now }: { limits: SignInLimits; now: Date },
): Promise<Date | null> {
  return latestWaitEnd(db, countersOf(subject, limits), now)
}

async function latestWaitEnd(db: Queryable, counters: Counter[], now: Date) {
  const [row] = await db.query<{ until: Date | null }>(
    `SELECT max(blocked_until) AS until FROM attempt_limits
      WHERE (scope, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))
        AND blocked_until > $3`,
    [counters.map((c) => c.scope), counters.map((c) => c.key), now],
  )
  return row?.until ?? null
}
