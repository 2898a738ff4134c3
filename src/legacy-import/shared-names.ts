import { checkNewUsername } from '../auth/usernames.js'
import type { LegacySource } from './source.js'

/** What the source holds more than once: by key, and by skeleton over different keys. */
export interface SharedNames {
  keys: Map<string, number>
  skeletons: Map<string, number>
  /** The rows of the source, every one (the second pass's total). */
  rows: number
}

/**
 * First pass, names only: the keys shared by two or more valid names of the source,
 * and the skeletons shared by two or more different keys (with how many keys).
 * Holds one key and one skeleton per distinct name (tens of bytes each), never a
 * password. Undefined when stopped.
 */
export async function findSharedNames(
  source: LegacySource,
  stopped: () => boolean,
): Promise<SharedNames | undefined> {
  const names = new Map<string, { count: number; skeleton: string }>()
  let rows = 0
  for await (const batch of source.usernames()) {
    if (stopped()) return undefined
    rows += batch.length
    for (const username of batch) {
      if (typeof username !== 'string') continue
      const name = checkNewUsername(username)
      if (!name.ok) continue
      const seen = names.get(name.key)
      if (seen) seen.count += 1
      else names.set(name.key, { count: 1, skeleton: name.skeleton })
    }
  }
  const keys = new Map<string, number>()
  const skeletons = new Map<string, number>()
  for (const [key, { count, skeleton }] of names) {
    if (count > 1) keys.set(key, count)
    skeletons.set(skeleton, (skeletons.get(skeleton) ?? 0) + 1)
  }
  // Keep only the shared skeletons (deleting the entry being visited is safe in a Map).
  for (const [skeleton, count] of skeletons) if (count === 1) skeletons.delete(skeleton)
  return { keys, skeletons, rows }
}
