import type { Session, SessionUser } from '../../auth/sessions.js'
import type { SessionPolicy } from '../../config.js'
import { absoluteEnd, idleExpiry, sessionEndsAt } from '../../auth/session-lifetime.js'
import type { z } from 'zod'
import type { sessionSchema, userSchema } from './schemas.js'

// Rows as the API shows them: snake_case names and RFC 3339 times (schemas.ts).

export function userJson(user: Pick<SessionUser, 'id' | 'username'>): z.infer<typeof userSchema> {
  return { id: user.id, username: user.username }
}

export function sessionJson(
  session: Session,
  policy: SessionPolicy,
): z.infer<typeof sessionSchema> {
  const idle = idleExpiry(session, policy)
  return {
    id: session.id,
    signed_in_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    remember: session.remember,
    idle_expires_at: idle === null ? null : idle.toISOString(),
    expires_at: absoluteEnd(session, policy).toISOString(),
  }
}

/** When the session ends unless it is used again. */
export function sessionEndJson(session: Session, policy: SessionPolicy): string {
  return sessionEndsAt(session, policy).toISOString()
}
