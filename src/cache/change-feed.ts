import { randomBytes } from 'node:crypto'
import { ListenThroughPoolerError, type Database, type Subscription } from '../db/database.js'

// Every instance keeps validated sessions and member pages in memory (FreshCache),
// and must drop what another instance changed. The triggers of migration 0007
// announce each change on one channel; this feed listens to it.
//
// A notification that is late or lost (a stalled or broken connection) must not
// leave a revoked session usable. So the feed also sends itself a heartbeat through
// the same channel every HEARTBEAT_INTERVAL_MS. PostgreSQL delivers notifications
// in commit order: when a heartbeat sent at time T arrives, every change committed
// before T has arrived too. Kept data is used only while the newest heartbeat that
// came back was sent less than FRESHNESS_MS ago; otherwise every request reads the
// database, as if there were no cache. That bounds how long any instance can
// honour a session revoked elsewhere: FRESHNESS_MS, under one second.
//
// Through a transaction pooler (PgBouncer), LISTEN is not refused but hears only some
// notifications, its own heartbeats among them: the feed would count as current while
// missing changes. The driver refuses to listen there (ListenThroughPoolerError), and
// the feed then stays off for good, saying so once: DATABASE_LISTEN_URL is the cure.

export const CHANGES_CHANNEL = 'logon_changes'
export const FRESHNESS_MS = 750
const HEARTBEAT_INTERVAL_MS = 200
const RECONNECT_DELAY_MS = 1_000
// A connection that stays open but brings no heartbeat back (half-open, stalled) is
// given up on and replaced, rather than waiting for TCP keepalive to notice.
const STALLED_AFTER_MS = 5_000
// A database that does not answer must not pile up heartbeats.
const MAX_BEATS_IN_FLIGHT = 10

export type Change = { kind: 'session'; id: string } | { kind: 'sessions' } | { kind: 'members' }

export interface ChangeFeedOptions {
  onChange(change: Change): void
  /** Changes may have been missed (the connection was lost or is new): drop all that is kept. */
  onReset(): void
  onError(error: unknown, message: string): void
  /** Monotonic milliseconds; tests may pass their own. */
  clock?: () => number
}

interface BeatInFlight {
  sentAt: number
  arrived: () => void
  lost(error: Error): void
}

export function parseChange(payload: string): Change | null {
  if (payload === 'members') return { kind: 'members' }
  if (payload === 'sessions') return { kind: 'sessions' }
  if (payload.startsWith('session:')) return { kind: 'session', id: payload.slice(8) }
  return null
}

export class ChangeFeed {
  readonly #db: Database
  readonly #opts: ChangeFeedOptions
  readonly #clock: () => number
  // Heartbeats of other instances share the channel; ours carry this id.
  readonly #beatPrefix = `beat:${randomBytes(6).toString('hex')}:`
  readonly #beatsInFlight = new Map<number, BeatInFlight>()
  #sequence = 0
  #confirmedSentAt = Number.NEGATIVE_INFINITY
  #subscription: Subscription | undefined
  #listeningSince = Number.NEGATIVE_INFINITY
  #beatTimer: NodeJS.Timeout | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  #closed = false

  private constructor(db: Database, opts: ChangeFeedOptions) {
    this.#db = db
    this.#opts = opts
    this.#clock = opts.clock ?? (() => performance.now())
  }

  /** Starts listening; if that fails, it retries in the background (kept data stays unused). */
  static async start(db: Database, opts: ChangeFeedOptions): Promise<ChangeFeed> {
    const feed = new ChangeFeed(db, opts)
    await feed.#connect()
    feed.#beatTimer = setInterval(() => feed.beat(), HEARTBEAT_INTERVAL_MS)
    feed.#beatTimer.unref()
    return feed
  }

  /** Whether kept data may be used now: every change committed before FRESHNESS_MS ago has arrived. */
  isCurrent(): boolean {
    return this.heartbeatAgeMs() < FRESHNESS_MS
  }

  /**
   * How long ago the newest heartbeat that came back was sent (the metrics);
   * Infinity while none has on the current connection, or none is listening.
   */
  heartbeatAgeMs(): number {
    if (this.#subscription === undefined) return Number.POSITIVE_INFINITY
    return this.#clock() - this.#confirmedSentAt
  }

  /** Sends one heartbeat; the timer calls it. */
  beat(): void {
    const subscription = this.#subscription
    if (!subscription) return
    const lastHeard = Math.max(this.#confirmedSentAt, this.#listeningSince)
    if (this.#clock() - lastHeard > STALLED_AFTER_MS) {
      const neverHeard = this.#confirmedSentAt === Number.NEGATIVE_INFINITY
      this.#lose()
      this.#opts.onError(
        new Error(`no heartbeat came back for ${STALLED_AFTER_MS} ms`),
        neverHeard
          ? 'no heartbeat ever came back on the change notifications connection; caches off, listening anew (if it goes through a transaction pooler, set DATABASE_LISTEN_URL to a direct connection)'
          : 'change notifications stalled; caches off, listening anew',
      )
      // Not awaited: ending a stalled connection may itself stall.
      void subscription.close().catch(() => {})
      this.#scheduleReconnect()
      return
    }
    if (this.#beatsInFlight.size >= MAX_BEATS_IN_FLIGHT) return
    this.#sendBeat(
      () => {},
      () => {},
    ).catch(() => {})
  }

  /**
   * Resolves once every change committed before the call has arrived (and been
   * applied): for tests that change rows behind the app's back. Rejects if the
   * feed is not listening or the heartbeat cannot be sent.
   */
  caughtUp(): Promise<void> {
    if (!this.#subscription) return Promise.reject(new Error('not listening for changes'))
    return new Promise((resolve, reject) => {
      this.#sendBeat(resolve, reject).catch(reject)
    })
  }

  async #sendBeat(arrived: () => void, lost: (error: Error) => void): Promise<void> {
    const subscription = this.#subscription
    if (!subscription) throw new Error('not listening for changes')
    const sequence = ++this.#sequence
    this.#beatsInFlight.set(sequence, { sentAt: this.#clock(), arrived, lost })
    try {
      // Over the listening connection: a pool busy with requests must not make the
      // heartbeats late and switch the caches off just when they help most.
      await subscription.notify(CHANGES_CHANNEL, `${this.#beatPrefix}${sequence}`)
    } catch (error) {
      // Not confirmed, so freshness lapses on its own; forgotten, so that a database
      // back from an outage gets heartbeats again.
      this.#beatsInFlight.delete(sequence)
      throw error
    }
  }

  async close(): Promise<void> {
    this.#closed = true
    clearInterval(this.#beatTimer)
    clearTimeout(this.#reconnectTimer)
    const subscription = this.#subscription
    this.#lose()
    await subscription?.close()
  }

  async #connect(): Promise<void> {
    // Set once listen() resolves: a connection lost before that is listen()'s
    // rejection to handle, not onLost's.
    let subscription: Subscription | undefined
    try {
      subscription = await this.#db.listen(CHANGES_CHANNEL, {
        onMessage: (payload) => this.#receive(payload),
        onLost: (error) => {
          if (subscription === undefined || this.#subscription !== subscription) return
          this.#lose()
          this.#opts.onError(error, 'lost the change notifications; caches off until back')
          this.#scheduleReconnect()
        },
      })
      if (this.#closed) return void (await subscription.close())
      this.#subscription = subscription
      this.#listeningSince = this.#clock()
      // Whatever was kept before now may have changed unannounced.
      this.#opts.onReset()
    } catch (error) {
      if (error instanceof ListenThroughPoolerError) {
        this.#opts.onError(
          error,
          'change notifications cannot pass a connection pooler: caches off, every request reads the database (set DATABASE_LISTEN_URL to a direct connection to PostgreSQL)',
        )
        return
      }
      this.#opts.onError(error, 'cannot listen for change notifications; caches off until then')
      this.#scheduleReconnect()
    }
  }

  #lose(): void {
    this.#subscription = undefined
    this.#confirmedSentAt = Number.NEGATIVE_INFINITY
    for (const beat of this.#beatsInFlight.values()) beat.lost(new Error('not listening'))
    this.#beatsInFlight.clear()
    this.#opts.onReset()
  }

  #scheduleReconnect(): void {
    if (this.#closed) return
    this.#reconnectTimer = setTimeout(() => void this.#connect(), RECONNECT_DELAY_MS)
    this.#reconnectTimer.unref()
  }

  #receive(payload: string): void {
    if (payload.startsWith(this.#beatPrefix)) {
      const sequence = Number(payload.slice(this.#beatPrefix.length))
      const beat = this.#beatsInFlight.get(sequence)
      if (beat === undefined) return
      // Whatever an earlier beat would have confirmed, this later one does.
      for (const [earlier, { arrived }] of this.#beatsInFlight) {
        if (earlier > sequence) continue
        this.#beatsInFlight.delete(earlier)
        arrived()
      }
      this.#confirmedSentAt = Math.max(this.#confirmedSentAt, beat.sentAt)
      return
    }
    const change = parseChange(payload)
    if (change) this.#opts.onChange(change)
  }
}
