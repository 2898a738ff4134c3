import type { KnownSession } from '../auth/sessions.js'
import type { MembersPage } from '../auth/members.js'
import type { Database } from '../db/database.js'
import { ChangeFeed } from './change-feed.js'
import { FreshCache } from './fresh-cache.js'

// A signed-in page view needs the session and a page of members; both are read far
// more often than they change. Kept here, a page view costs no round trip at all,
// while the change feed keeps every instance within FRESHNESS_MS of the table
// (docs/decisions/0006-caches.md). On this instance, what ends a session or changes
// the members drops it at once: the session service (auth/sessions.ts) and the member
// list (auth/members.ts) are given these caches and are their only writers.

// Enough for every session active on a busy instance; an entry is about 0.5 KiB.
const MAX_SESSIONS = 20_000
// The first pages are what people look at; deep pages are cheap to read anyway.
const MAX_MEMBER_PAGES = 64

export interface Caches {
  sessions: FreshCache<string, KnownSession>
  memberPages: FreshCache<number, MembersPage>
  /** Resolves once every change committed before the call has reached the caches. */
  caughtUp(): Promise<void>
  /** Whether kept values are used now (ChangeFeed.isCurrent), and why (the metrics). */
  isCurrent(): boolean
  heartbeatAgeMs(): number
  close(): Promise<void>
}

export async function startCaches(
  db: Database,
  onError: (error: unknown, message: string) => void,
): Promise<Caches> {
  // Called by requests only, once the feed below exists.
  const isCurrent = () => feed.isCurrent()
  const sessions = new FreshCache<string, KnownSession>({ max: MAX_SESSIONS, isCurrent })
  const memberPages = new FreshCache<number, MembersPage>({ max: MAX_MEMBER_PAGES, isCurrent })
  const feed = await ChangeFeed.start(db, {
    onChange(change) {
      if (change.kind === 'session') sessions.delete(change.id)
      else if (change.kind === 'sessions') sessions.clear()
      else memberPages.clear()
    },
    onReset() {
      sessions.clear()
      memberPages.clear()
    },
    onError,
  })
  return {
    sessions,
    memberPages,
    caughtUp: () => feed.caughtUp(),
    isCurrent,
    heartbeatAgeMs: () => feed.heartbeatAgeMs(),
    close: () => feed.close(),
  }
}
