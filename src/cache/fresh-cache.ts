import { LRUCache } from 'lru-cache'

// Values read from the database, kept in memory while the change feed says nothing
// can have changed them unannounced (ChangeFeed.isCurrent).
//
// A read that raced a change must not be kept: a request reads a session, another
// request revokes it and the notification arrives, then the first read completes
// and would put the revoked session back. So every removal bumps a generation;
// a value is kept only if no removal happened since its read began.

export class FreshCache<K extends string | number, V extends object> {
  readonly #values: LRUCache<K, V>
  readonly #isCurrent: () => boolean
  #generation = 0

  constructor({ max, isCurrent }: { max: number; isCurrent: () => boolean }) {
    this.#values = new LRUCache({ max })
    this.#isCurrent = isCurrent
  }

  get(key: K): V | undefined {
    return this.#isCurrent() ? this.#values.get(key) : undefined
  }

  /** Call before reading the database; pass the result to set(). */
  generation(): number {
    return this.#generation
  }

  set(key: K, value: V, readAtGeneration: number): void {
    if (readAtGeneration === this.#generation) this.#values.set(key, value)
  }

  delete(key: K): void {
    this.#generation++
    this.#values.delete(key)
  }

  deleteWhere(matches: (value: V) => boolean): void {
    this.#generation++
    const keys = [...this.#values.entries()].filter(([, value]) => matches(value))
    for (const [key] of keys) this.#values.delete(key)
  }

  clear(): void {
    this.#generation++
    this.#values.clear()
  }

  get size(): number {
    return this.#values.size
  }
}
