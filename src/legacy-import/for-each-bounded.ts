/**
 * Runs fn over items with at most `limit` at once (each argon2 hash holds its memory
 * cost). On a failure no further item starts, the ones in flight finish, then the
 * first error is thrown: nothing keeps writing after the caller has moved on (and
 * closed the database).
 */
export async function forEachBounded<T>(
  items: readonly T[],
  limit: number,
  stopped: () => boolean,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0
  let failure: { error: unknown } | undefined
  const worker = async () => {
    while (next < items.length && !failure && !stopped()) {
      const item = items[next++]!
      try {
        await fn(item)
      } catch (error) {
        failure ??= { error }
      }
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker))
  if (failure) throw failure.error
}
