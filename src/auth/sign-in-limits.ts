import { createHash } from 'node:crypto'
import type { FailureLimit, SignInLimits } from '../config.js'
import type { Queryable } from '../db/database.js'
import { clientAddressKey } from './client-address.js'
import { retryAfterSeconds, waitsByFailureCount } from './limit-waits.js'
import { usernameKey } from './usernames.js'

// Brute-force limits on sign-in (docs/decisions/0005), kept
// in the attempt_limits table so that they hold across instances and restarts.
//
// An attempt is counted *before* its password is verified, in the statement that
// checks the limits, and uncounted if it succeeds. Counting after the verification
// would let a burst of parallel requests all pass the check before the first
// failure is written, each one a free guess beyond the limit.

export type AttemptDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number }

/** A sign-in let through, with what its count started. */
export type SignInClaim =
  | {
      allowed: true
      /** The account counter's wait that this attempt started (it reached the limit), if any. */
      accountWaitUntil: Date | null
    }
  | { allowed: false; retryAfterSeconds: number }

/** Whose attempt this is, as the counters know it. */
export interface SignInSubject {
  /** sha256 of the folded name: the same for a name that exists and one that does not. */
  nameKey: string
  addressKey: string
  /**
   * The device token this browser holds for the name (device-tokens.ts), if valid:
   * the attempt counts on that device's own counter instead of the account's, so
   * strangers who hold the account counter over its limit do not lock the owner out
   * (OWASP "Slow brute force" / device cookies).
   */
  deviceKey?: string | undefined
}

/** A typed name as the limits (`nameKey`, a digest) and the users table (`usernameKey`) know it. */
export function typedNameKeys(typedName: string): { nameKey: string; usernameKey: string } {
  const key = usernameKey(typedName.trim())
  return { nameKey: createHash('sha256').update(key).digest('base64url'), usernameKey: key }
}

export function signInSubject(typedName: string, ip: string, deviceKey?: string): SignInSubject {
  return { nameKey: typedNameKeys(typedName).nameKey, addressKey: clientAddressKey(ip), deviceKey }
}

/**
 * The counters, in the one order every statement locks their rows in, so that two
 * statements never wait for each other. An attempt counts on name_address, then
 * account (or device, with a device token), then address and address_sign_ins.
 */
const SCOPE_ORDER = ['name_address', 'account', 'device', 'address', 'address_sign_ins'] as const
type SignInScope = (typeof SCOPE_ORDER)[number]

interface Counter {
  scope: SignInScope
  key: string
  windowSeconds: number
  waits: number[]
  maxFailures: number
}

/** The counters an attempt counts on, in SCOPE_ORDER. */
function countersOf(subject: SignInSubject, limits: SignInLimits): Counter[] {
  const counter = (scope: SignInScope, key: string, limit: FailureLimit, waits?: number[]) => ({
    scope,
    key,
    windowSeconds: limit.windowSeconds,
    maxFailures: limit.maxFailures,
    waits: waits ?? waitsByFailureCount({ ...limits, maxFailures: limit.maxFailures }),
  })
  // Every sign-in let through counts here, success or not: a flood of right
  // passwords costs its sender waits, not the sessions table (issue 9, finding 2).
  const rate: FailureLimit = { maxFailures: limits.signInsPerAddressPerMinute, windowSeconds: 60 }
  const rateWaits = waitsByFailureCount({
    maxFailures: rate.maxFailures,
    firstWaitSeconds: 60,
    maxWaitSeconds: 60,
  })
  return [
    counter('name_address', `${subject.addressKey} ${subject.nameKey}`, limits.perNameAndAddress),
    subject.deviceKey === undefined
      ? counter('account', subject.nameKey, limits.perAccount)
      : // A device counts failures as one name from one place does.
        counter('device', subject.deviceKey, limits.perNameAndAddress),
    counter('address', subject.addressKey, limits.perAddress),
    counter('address_sign_ins', subject.addressKey, rate, rateWaits),
  ]
}

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

/**
 * Chained statements over counters in SCOPE_ORDER: each CTE runs after the one
 * before (it reads it), so the rows are locked in that order.
 */
type Statement = (gate: string) => string

function chained(statements: Statement[]): string {
  // The first gate names $1 (now) so that its type is known even when no statement
  // uses it (a chain of deletes only).
  const gate = (i: number) =>
    i === 0 ? '$1::timestamptz IS NOT NULL' : `(SELECT count(*) FROM s${i - 1}) >= 0`
  const ctes = statements.slice(0, -1).map((sql, i) => `s${i} AS (${sql(gate(i))} RETURNING 1)`)
  const last = statements.at(-1)!(gate(statements.length - 1))
  return ctes.length > 0 ? `WITH ${ctes.join(', ')} ${last}` : last
}

/**
 * Takes one attempt back from a counter; below its limit again, its wait is lifted.
 * With `claimedAtParam`, only from the window the attempt was counted in: a window
 * that started again since holds none of it.
 */
const giveBackStatement =
  (scopeParam: number, claimedAtParam?: number): Statement =>
  (gate) =>
    `UPDATE attempt_limits SET
       attempts = GREATEST(attempts - 1, 0),
       blocked_until = CASE WHEN attempts - 1 < $${scopeParam + 2}::int THEN LEAST(blocked_until, $1::timestamptz)
                            ELSE blocked_until END
      WHERE scope = $${scopeParam}::text AND key = $${scopeParam + 1}::text AND ${gate}${
        claimedAtParam === undefined
          ? ''
          : ` AND window_started_at <= $${claimedAtParam}::timestamptz`
      }`

const deleteStatement =
  (scopeParam: number): Statement =>
  (gate) =>
    `DELETE FROM attempt_limits
      WHERE scope = $${scopeParam}::text AND key = $${scopeParam + 1}::text AND ${gate}`

/**
 * After a successful sign-in: the counters it counted on for the name start again
 * (from this address, and the account's, or the device's with a device token), and
 * the address takes back the attempt it counted, as only failures count against an
 * address. address_sign_ins keeps it: it counts successes too. A success through a
 * device token leaves the account counter as it is: it says what strangers have
 * tried, and clearing it at each of the owner's sign-ins would give them the
 * account's limit again each time (review of issue 9).
 */
export async function settleSuccessfulSignIn(
  db: Queryable,
  subject: SignInSubject,
  { limits, now }: { limits: SignInLimits; now: Date },
): Promise<void> {
  const touched = countersOf(subject, limits)
    .filter((counter) => counter.scope !== 'address_sign_ins')
    .map((counter) => ({
      counter,
      action: counter.scope === 'address' ? ('give_back' as const) : ('delete' as const),
    }))
  await runChain(db, touched, now)
}

/**
 * An attempt that was counted but never judged (the database or the line of hashes
 * failed under it) gives its count back on every counter it counted on: a busy
 * spell must not turn into a lockout (issue 9, finding 3).
 */
export async function giveBackSignInAttempt(
  db: Queryable,
  subject: SignInSubject,
  { limits, now, claimedAt }: { limits: SignInLimits; now: Date; claimedAt: Date },
): Promise<void> {
  const counters = countersOf(subject, limits)
  await runChain(
    db,
    counters.map((counter) => ({ counter, action: 'give_back' as const })),
    now,
    claimedAt,
  )
}

async function runChain(
  db: Queryable,
  touched: Array<{ counter: Counter; action: 'delete' | 'give_back' }>,
  now: Date,
  claimedAt?: Date,
): Promise<void> {
  const ordered = [...touched].sort(
    (a, b) => SCOPE_ORDER.indexOf(a.counter.scope) - SCOPE_ORDER.indexOf(b.counter.scope),
  )
  const params: unknown[] = [now]
  if (claimedAt !== undefined) params.push(claimedAt)
  const claimedAtParam = claimedAt === undefined ? undefined : 2
  const statements = ordered.map(({ counter, action }) => {
    const first = params.length + 1
    params.push(counter.scope, counter.key)
    if (action === 'delete') return deleteStatement(first)
    params.push(counter.maxFailures)
    return giveBackStatement(first, claimedAtParam)
  })
  await db.query(chained(statements), params)
}
