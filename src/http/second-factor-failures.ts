import type { FastifyRequest } from 'fastify'
import { recordAuthEvent } from '../auth/events.js'
import type { Queryable } from '../db/database.js'
import { requestOrigin } from './request-origin.js'

/**
 * A wrong second-factor code for an account: a security event its owner sees (the
 * password behind it was right, or the session typing it is signed in).
 */
export async function secondFactorFailed(
  request: FastifyRequest,
  db: Queryable,
  { userId, at }: { userId: number; at: Date },
): Promise<void> {
  await recordAuthEvent(db, { userId, kind: 'two_factor_failed', at, ...requestOrigin(request) })
}
