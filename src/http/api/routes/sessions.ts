import type { FastifyInstance } from 'fastify'
import { describeDevice } from '../../../auth/devices.js'
import { recordAuthEvent } from '../../../auth/events.js'
import { recentlyAuthenticated } from '../../reauthentication.js'
import { requestOrigin } from '../../request-origin.js'
import { endSession } from '../../session-changes.js'
import { requireSession } from '../authentication.js'
import { typedByZod, type ApiOptions } from '../options.js'
import { sessionEndJson } from '../present.js'
import { problemResponse, sendProblem } from '../problem.js'
import { jsonResponse, noContent, sessionIdParams, sessionListSchema } from '../schemas.js'

// The account's sessions, as the account page lists them, and revoking one.

export async function sessionsApiRoutes(app: FastifyInstance, opts: ApiOptions) {
  const api = typedByZod(app)
  const { sessions, db } = opts.accounts

  api.get(
    '/sessions',
    {
      schema: {
        tags: ['sessions'],
        operationId: 'listSessions',
        summary: "The account's live sessions, most recently seen first",
        response: {
          200: jsonResponse('OK', sessionListSchema),
          401: problemResponse('unauthenticated'),
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      const live = await sessions.list(current.user.id)
      return {
        sessions: live.map((s) => ({
          id: s.id,
          current: s.id === current.session.id,
          device: describeDevice(s.userAgent),
          address: s.ip,
          signed_in_at: s.createdAt.toISOString(),
          last_seen_at: s.lastSeenAt.toISOString(),
          ends_at: sessionEndJson(s, sessions.policy),
          remember: s.remember,
        })),
      }
    },
  )

  api.delete(
    '/sessions/:id',
    {
      schema: {
        tags: ['sessions'],
        operationId: 'endSession',
        summary: 'End one of your sessions (the current one too: that is signing out)',
        params: sessionIdParams,
        response: {
          204: noContent('Ended'),
          401: problemResponse('unauthenticated, or reauthentication_required'),
          404: problemResponse('not_found: no session of yours has this id'),
        },
      },
    },
    async (request, reply) => {
      const current = requireSession(request, reply)
      if (!current) return reply
      const { user, session } = current
      const { id } = request.params
      const own = (await sessions.list(user.id)).some((s) => s.id === id)
      // One answer for an id of another account's session and for no session at all.
      if (!own) return sendProblem(request, reply, 404, 'not_found')
      // As on the account page: ending the owner's other sessions would let a thief
      // holding one shut the owner out of theirs, so it needs a recent sign-in
      // (POST /session/reauthenticate). Ending one's own is signing out.
      if (id !== session.id && !(await recentlyAuthenticated(current, opts))) {
        return sendProblem(request, reply, 401, 'reauthentication_required')
      }
      if (id === session.id) {
        // Its own: signing out, as DELETE /session (its cookie goes too).
        await endSession(request, reply, opts.pageSessions)
      } else {
        if (!(await sessions.endOne(user.id, id))) {
          return sendProblem(request, reply, 404, 'not_found')
        }
        await recordAuthEvent(db, {
          userId: user.id,
          kind: 'session_revoked',
          at: opts.pageSessions.now(),
          ...requestOrigin(request),
        })
      }
      return reply.code(204).send(null)
    },
  )
}
