import type { FastifyRequest } from 'fastify'
import { recordAuthEvent } from '../auth/events.js'
import type { Queryable } from '../db/database.js'
import { requestOrigin } from './request-origin.js'

/**
 * A wrong second-factor code for an account: a security event its owner sees, and a
 * notice to each of its sessions but `sessionId`, the signed-in one that typed it
 * (a confirmation, turning the factor off), which knows.
 */
export async function secondFactorFailed(
  request: FastifyRequest,
  db: Queryable,
  { userId, at, sessionId }: { userId: number; at: Date; sessionId?: string | undefined },
): Promise<void> {
  await recordAuthEvent(db, {
    userId,
    kind: 'two_factor_failed',
    sessionId,
    at,
    ...requestOrigin(request),
  })
}
