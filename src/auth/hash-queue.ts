import { clientNetworkKey } from './client-address.js'

// The line of password hashes, shared fairly, so that a flood from a few clients
// cannot make everyone else's sign-ins wait or fail with 503.
//
// argon2 is the one costly thing a client can make Logon do, so the line in front of
// it is what a flood fights over. The rules:
// - At most `threads` hashes run at once (PASSWORD_HASH_THREADS): the event loop and
//   the database keep a core during a storm of sign-ins (docs/decisions/0003).
// - A bounded line: past `threads × (WAITING_PER_THREAD + 1)` admitted, a new
//   claimant is refused at once (`busy`: 503), instead of every request waiting
//   behind a flood.
// - No one client takes more than its share (`over_share`: 429 for that client only):
//   one client address (clientAddressKey: an IPv4 address or an IPv6 /56) or one
//   account may hold SHARE_OF_LINE of the line, one wider network (an IPv4 /24 or an
//   IPv6 /48, clientNetworkKey) SHARE_OF_LINE_PER_NETWORK.
// - Parts of the line are kept: the last RESERVED_FOR_DEVICES for browsers with a
//   live device token, one place per account at a time, and before it
//   RESERVED_FOR_NEWCOMERS for addresses that hold no place yet. A few dozen
//   addresses, each within its share, can still fill the rest; the limits keep a
//   flood of wrong passwords short (password-attempts.ts asks them before it takes a
//   place, so an address that has spent its failures holds no place at all). Anyone
//   can make device tokens for accounts of their own, so the devices' part holds off
//   floods of unknown names and wrong passwords, not an attacker with many accounts
//   and addresses signing in to them (README "Sign-in limits").
// - The waiting hashes are served round-robin by address, so a sign-in from anyone
//   else waits behind at most one hash of each busy address.
//
// Admission is a lease taken before the attempt is counted by the sign-in limits, so
// a request refused for load has counted nothing, and the attempt's later hashes (a
// rehash after a verification) run under the same lease.

const WAITING_PER_THREAD = 32
/** The part of the line one client address or one account may hold. */
const SHARE_OF_LINE = 1 / 8
/** The part of the line one wider network (many addresses of one owner) may hold. */
const SHARE_OF_LINE_PER_NETWORK = 1 / 4
const MIN_SHARE = 2
/** The last part of the line, only for browsers with a live device token. */
const RESERVED_FOR_DEVICES = 1 / 8
/** The part before it, only for addresses that hold no place. */
const RESERVED_FOR_NEWCOMERS = 1 / 4

/** Who asks for a hash, as the line counts them. */
export interface HashClaimant {
  /** clientAddressKey of the request. */
  address: string
  /** A key of the account the password is for (the folded name's digest), if any. */
  account?: string | undefined
  /** The browser holds a live device token (device-tokens.ts) for `deviceAccount`. */
  knownDevice?: boolean | undefined
  /** With knownDevice: the account's key (its share is left out, its part is not). */
  deviceAccount?: string | undefined
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

  /** Leases the addresses of one wider network may hold together. */
  get networkShare(): number {
    return Math.max(this.share, Math.ceil(this.capacity * SHARE_OF_LINE_PER_NETWORK))
  }

  /** Places only a browser with a live device token may take. */
  get reservedForDevices(): number {
    return Math.max(this.threads, Math.ceil(this.capacity * RESERVED_FOR_DEVICES))
  }

  /** Places (before the devices' part) only an address holding none may take. */
  get reservedForNewcomers(): number {
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
    if (!claimant) return this.lease('local', [])
    const address = `address ${claimant.address}`
    const network = `network ${clientNetworkKey(claimant.address)}`
    const shares: Array<[key: string, share: number]> = [
      [address, this.share],
      [network, this.networkShare],
    ]
    if (claimant.account !== undefined) shares.push([`account ${claimant.account}`, this.share])
    if (shares.some(([key, share]) => (this.heldBy.get(key) ?? 0) >= share)) {
      return { ok: false, reason: 'over_share' }
    }
    // A known device reaches into the devices' part for one place of its account at
    // a time: anyone can make such tokens for accounts of their own, so the part is
    // not theirs to fill with one account (it stays a few places; see the README).
    const deviceAccount =
      claimant.knownDevice && claimant.deviceAccount !== undefined
        ? `device account ${claimant.deviceAccount}`
        : undefined
    const usesDevicePart = deviceAccount !== undefined && !this.heldBy.has(deviceAccount)
    // How far into the line this claimant may reach: such a device to the end, an
    // address holding no place up to the devices' part, any other short of both parts.
    let reach = this.capacity
    if (!usesDevicePart) reach -= this.reservedForDevices
    if (!usesDevicePart && this.heldBy.has(address)) reach -= this.reservedForNewcomers
    if (this.admitted >= reach) {
      // Busy for it: the places left are kept for others (503, as for a full line,
      // when it is a stranger's first place; 429 for an address already in the line).
      return { ok: false, reason: this.heldBy.has(address) ? 'over_share' : 'busy' }
    }
    const keys = shares.map(([key]) => key)
    if (usesDevicePart) keys.push(deviceAccount)
    return this.lease(claimant.address, keys)
  }

  private lease(turnKey: string, keys: string[]): HashAdmission {
    this.admitted += 1
    for (const key of keys) this.heldBy.set(key, (this.heldBy.get(key) ?? 0) + 1)
    let held = true
    return {
      ok: true,
      lease: {
        run: (work) => this.run(turnKey, work),
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
   * it while holding their places: refused when the line is full, it would leave the
   * census empty (unknown names then cost only the current parameters, which their
   * time gives away), and a place it had to wait for could be held by the
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
