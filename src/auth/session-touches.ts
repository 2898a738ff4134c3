import type { Queryable } from '../db/database.js'

// Writing last_seen_at inside the request that noticed it was stale costs a
// round trip and a write on the hot path of every busy session. Instead the
// session plugin notes the touch here, and a timer writes all of them in one
// statement. The stored value lags by at most the touch interval plus one flush
// interval (0.8 s + 0.2 s), within docs/contract.md's one second; a crash loses at
// most one flush of touches, which can only end a session slightly early.

const MAX_BATCH = 5_000

export class SessionTouches {
  readonly #pending = new Map<string, Date>()
  readonly #timer: NodeJS.Timeout
  #flushing: Promise<void> = Promise.resolve()

  constructor(
    private readonly db: Queryable,
    { flushIntervalMs, onError }: { flushIntervalMs: number; onError: (error: unknown) => void },
  ) {
    this.#timer = setInterval(() => {
      this.flush().catch(onError)
    }, flushIntervalMs)
    this.#timer.unref()
  }

  /** Notes that a session was used at `at`; written at the next flush. */
  touch = (sessionId: string, at: Date): void => {
    const known = this.#pending.get(sessionId)
    if (!known || known < at) this.#pending.set(sessionId, at)
  }

  /**
   * Writes every pending touch; flushes never overlap. A failed flush (the database
   * did not answer) rejects, and the next one starts afresh: chained on the failure
   * itself, every later flush would reject with it unrun, and no touch of this
   * instance would be written again.
   */
  flush(): Promise<void> {
    const flushing = this.#flushing.then(() => this.#writePending())
    this.#flushing = flushing.catch(() => {})
    return flushing
  }

  async #writePending(): Promise<void> {
    while (this.#pending.size > 0) {
      const batch = [...this.#pending].slice(0, MAX_BATCH)
      for (const [id] of batch) this.#pending.delete(id)
      try {
        // Never moves last_seen_at backwards (another instance may have written later).
        await this.db.query(
          // Rows locked in id order, as every write of several sessions (session-store.ts).
          `UPDATE sessions AS s SET last_seen_at = t.at
             FROM (SELECT l.id, u.at FROM sessions l
                     JOIN unnest($1::text[], $2::timestamptz[]) AS u(id, at) ON l.id = u.id
                    WHERE l.last_seen_at < u.at
                    ORDER BY l.id FOR UPDATE OF l) AS t
            WHERE s.id = t.id AND s.last_seen_at < t.at`,
          [batch.map(([id]) => id), batch.map(([, at]) => at.toISOString())],
        )
      } catch (error) {
        // Back in line for the next flush, unless a later touch came meanwhile.
        for (const [id, at] of batch) this.touch(id, at)
        throw error
      }
    }
  }

  /** Stops the timer and writes what is pending (on shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#timer)
    await this.flush()
  }
}
