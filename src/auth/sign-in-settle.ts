import type { SignInLimits } from '../config.js'
import type { Queryable } from '../db/database.js'
import { countersOf, SCOPE_ORDER, type Counter } from './sign-in-counters.js'
import type { SignInSubject } from './sign-in-subject.js'

// After an attempt was counted: a success clears what it counted for the name, and
// an attempt that was never judged gives its count back.

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
 * account's limit again each time.
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
 * spell must not turn into a lockout.
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
