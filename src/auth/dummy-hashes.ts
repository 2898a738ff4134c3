import { createHash } from 'node:crypto'
import type { PasswordHashParams } from '../config.js'
import type { Queryable } from '../db/database.js'
import { dummyPasswordHash } from './passwords.js'

// The verification an unknown name costs stands in for a real account's (docs/contract.md:
// time must not tell which names exist). After a change of the argon2 parameters,
// accounts not yet upgraded verify at their old cost, so a dummy at the current
// parameters alone would let a prober's timing tell them from unknown names. So each
// unknown name is given, for good, one of the parameter sets the table holds, drawn
// by the name's digest with the weight of that set's share of the accounts: to a
// prober, an unknown name behaves like an account of a random age, the same on every
// try, in the proportions real accounts have.

export interface ParameterCensus {
  readonly sets: ReadonlyArray<{ params: PasswordHashParams; accounts: number }>
}

const PHC_ARGON2ID_PARAMS = /^m=(\d+),t=(\d+),p=(\d+)$/

/**
 * How many accounts hold hashes of each argon2id parameter set: one scan of users.
 * The database only splits the PHC string at its "$" and groups (a regular
 * expression per row cost 1.2 s for 10,000 rows on PGlite, in the app's own thread,
 * and delayed the start by as much); the few groups are read here.
 */
export async function countHashParameters(db: Queryable): Promise<ParameterCensus> {
  const rows = await db.query<{
    algorithm: string
    version: string
    params: string
    accounts: number
  }>(
    `SELECT split_part(password_hash, '$', 2) AS algorithm,
            split_part(password_hash, '$', 3) AS version,
            split_part(password_hash, '$', 4) AS params,
            count(*)::int AS accounts
       FROM users
      GROUP BY 1, 2, 3
      ORDER BY 1, 2, 3`,
  )
  const sets: Array<{ params: PasswordHashParams; accounts: number }> = []
  for (const row of rows) {
    const match = PHC_ARGON2ID_PARAMS.exec(row.params)
    if (row.algorithm !== 'argon2id' || row.version !== 'v=19' || !match) continue
    sets.push({
      params: {
        memoryCost: Number(match[1]),
        timeCost: Number(match[2]),
        parallelism: Number(match[3]),
      },
      accounts: row.accounts,
    })
  }
  return { sets }
}

/** The parameter set an unknown name stands for: fixed per name, weighted by the census. */
export function parametersForUnknownName(
  nameKey: string,
  census: ParameterCensus,
  current: PasswordHashParams,
): PasswordHashParams {
  const total = census.sets.reduce((sum, set) => sum + set.accounts, 0)
  if (total === 0) return current
  const draw = createHash('sha256').update(`dummy parameters ${nameKey}`).digest().readUInt32BE(0)
  let point = (draw / 2 ** 32) * total
  for (const set of census.sets) {
    point -= set.accounts
    if (point < 0) return set.params
  }
  return current
}

const keyOf = (params: PasswordHashParams) =>
  `${params.memoryCost},${params.timeCost},${params.parallelism}`

/**
 * The dummy hashes of one app: the census is read at start and refreshed now and
 * then (it changes only as accounts are upgraded or created). The dummies are made
 * by the census, never by a request: a request for a set whose dummy is still being
 * made waits for that making (one promise per set), so it costs what an account of
 * that set costs, not what a dummy of the current parameters would.
 */
export class DummyHashes {
  private census: ParameterCensus = { sets: [] }
  private dummies = new Map<string, Promise<string>>()
  /** The first count while it runs: a name asked for meanwhile waits for the census. */
  private firstCount: Promise<unknown> | undefined
  private counted = false

  constructor(private readonly current: PasswordHashParams) {}

  /**
   * Counts the parameter sets, takes the census at once, and then makes the dummies
   * it needs. The census is taken before the dummies are made: were it taken only
   * once they were, a making that failed would leave the census empty, and unknown
   * names would all cost the current parameters, told by their time from accounts
   * with older hashes. Rejects when the count or a making fails; the caller tries
   * again soon.
   */
  async refresh(db: Queryable): Promise<void> {
    const counting = countHashParameters(db)
    if (!this.counted) this.firstCount = counting.catch(() => undefined)
    const census = await counting
    // dummyPasswordHash gives the making already under way or done, and makes again
    // one that failed.
    const dummies = new Map<string, Promise<string>>()
    for (const params of [this.current, ...census.sets.map((set) => set.params)]) {
      dummies.set(keyOf(params), dummyPasswordHash(params))
    }
    this.census = census
    this.dummies = dummies
    this.counted = true
    await Promise.all(dummies.values())
  }

  async forUnknownName(nameKey: string): Promise<string> {
    // A sign-in in the moment between the start and the first census waits for it;
    // if that count failed, the census is empty until the next one succeeds.
    if (!this.counted) await this.firstCount
    const params = parametersForUnknownName(nameKey, this.census, this.current)
    // Every set the census knows has its making in this map; only without a census
    // (a DummyHashes never refreshed, or whose first count failed) is one made here.
    return this.dummies.get(keyOf(params)) ?? dummyPasswordHash(params)
  }
}
