import { clientNetworkKey } from './client-address.js'

// The line of password hashes, shared fairly (issue 9, findings 2 and 3).
//
// argon2 is the one costly thing a client can make Logon do, so the line in front of
// it is what a flood fights over. Three rules:
// - At most `threads` hashes run at once (PASSWORD_HASH_THREADS): the event loop and
//   the database keep a core during a storm of sign-ins (docs/decisions/0003).
// - A bounded line: past `threads × WAITING_PER_THREAD` admitted, a new claimant is
//   refused at once (`busy`: 503), instead of every request waiting behind a flood.
// - No one client takes more than its share: one client network (an IPv4 address or
//   an IPv6 /56, clientNetworkKey), and one account, may hold at most SHARE_OF_LINE
//   of the line (`over_share`: 429 for that client only), and the hashes waiting are
//   served round-robin by network, so a sign-in from anyone else waits behind at
//   most one hash of each busy network, not behind the whole flood of one.
// - The last RESERVED_FOR_NEWCOMERS of the line is kept for networks that hold no
//   place: a handful of flooding networks, each within its share, fill the rest but
//   not that part, so someone else's sign-in still gets in.
//
// Admission is a lease taken before the attempt is counted by the sign-in limits, so
// a request refused for load has counted nothing, and the attempt's later hashes (a
// rehash after a verification) run under the same lease.

const WAITING_PER_THREAD = 32
/** The part of the line one client address or one account may hold. */
const SHARE_OF_LINE = 1 / 8
const MIN_SHARE = 2
/** The part of the line only a network holding no place may take. */
const RESERVED_FOR_NEWCOMERS = 1 / 4

/** Who asks for a hash, as the line counts them. */
export interface HashClaimant {
  /** clientAddressKey of the request; shares count by its network (clientNetworkKey). */
  address: string
  /** A key of the account the password is for (the folded name's digest), if any. */
  account?: string | undefined
}

export type HashAdmission =
  { ok: true; lease: HashLease } | { ok: false; reason: 'busy' | 'over_share' }

export interface HashLease {
  /** Runs one hash in the line, in the claimant's turn. */
  run<T>(work: () => Promise<T>): Promise<T>
  /** Gives the place back; safe to call twice. */
  release(): void
}

export class FairHashQueue {
  private admitted = 0
  private running = 0
  private readonly heldBy = new Map<string, number>()
  /** Waiting hashes by client address; a Map keeps the round-robin order. */
  private readonly waiting = new Map<string, Array<() => void>>()
  private waitingCount = 0

  constructor(readonly threads: number) {}

  /** Leases the line holds at most, running and waiting. */
  get capacity(): number {
    return this.threads * (WAITING_PER_THREAD + 1)
  }

  /** Leases one client address (or one account) may hold at once. */
  get share(): number {
    return Math.max(MIN_SHARE, Math.ceil(this.capacity * SHARE_OF_LINE))
  }

  /** Places only a network holding none may take. */
  get reserved(): number {
    return Math.max(this.threads, Math.ceil(this.capacity * RESERVED_FOR_NEWCOMERS))
  }

  load(): { running: number; waiting: number; admitted: number } {
    return { running: this.running, waiting: this.waitingCount, admitted: this.admitted }
  }

  /**
   * A place in the line for one attempt. Without a claimant (the operator's own
   * commands: import, seed) only the line's length applies.
   */
  admit(claimant?: HashClaimant): HashAdmission {
    if (this.admitted >= this.capacity) return { ok: false, reason: 'busy' }
    const network = claimant ? clientNetworkKey(claimant.address) : 'local'
    const keys: string[] = []
    if (claimant) keys.push(`network ${network}`)
    if (claimant?.account !== undefined) keys.push(`account ${claimant.account}`)
    if (keys.some((key) => (this.heldBy.get(key) ?? 0) >= this.share)) {
      return { ok: false, reason: 'over_share' }
    }
    const holdsAPlace = claimant !== undefined && this.heldBy.has(`network ${network}`)
    if (holdsAPlace && this.admitted >= this.capacity - this.reserved) {
      return { ok: false, reason: 'over_share' }
    }
    this.admitted += 1
    for (const key of keys) this.heldBy.set(key, (this.heldBy.get(key) ?? 0) + 1)
    let held = true
    return {
      ok: true,
      lease: {
        run: (work) => this.run(network, work),
        release: () => {
          if (!held) return
          held = false
          this.admitted -= 1
          for (const key of keys) {
            const count = (this.heldBy.get(key) ?? 1) - 1
            if (count === 0) this.heldBy.delete(key)
            else this.heldBy.set(key, count)
          }
        },
      },
    }
  }

  /**
   * Runs one of the app's own hashes (the dummies of dummy-hashes.ts) without a
   * place in the line: never refused, it waits its turn among the running hashes
   * like any claimant's. It is outside the line's length because requests wait for
   * it while holding their places: refused when the line is full, it left the census
   * empty (review of issue 9), and a place it had to wait for could be held by the
   * very requests waiting for it. There is at most one per parameter set the table
   * holds, made once per process.
   */
  runOwnHash<T>(work: () => Promise<T>): Promise<T> {
    return this.run('own hashes', work)
  }

  private run<T>(address: string, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running += 1
        work()
          .then(resolve, reject)
          .finally(() => {
            this.running -= 1
            this.dispatch()
          })
      }
      const line = this.waiting.get(address)
      if (line) line.push(start)
      else this.waiting.set(address, [start])
      this.waitingCount += 1
      this.dispatch()
    })
  }

  /** Starts waiting hashes while threads are free, one address after another. */
  private dispatch(): void {
    while (this.running < this.threads && this.waitingCount > 0) {
      const [address, line] = this.waiting.entries().next().value as [string, Array<() => void>]
      const start = line.shift()!
      this.waiting.delete(address)
      if (line.length > 0) this.waiting.set(address, line) // to the back of the round
      this.waitingCount -= 1
      start()
    }
  }
}
