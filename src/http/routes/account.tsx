import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { recordAuthEvent } from '../../auth/events.js'
import { ACCOUNT_PATH, showAccount, signedIn, type AccountRouteOptions } from '../account-page.js'
import { HttpError } from '../errors.js'
import { requireRecentAuthentication } from '../reauthentication.js'
import { requestOrigin } from '../request-origin.js'

// After a passkey change the page says what happened (and that other sessions ended).
const accountQuery = z
  .object({ passkey: z.enum(['added', 'removed', 'renamed']).optional() })
  .catch({})

const revokeBody = z.union([
  z.object({ 'all-others': z.literal('1') }),
  z.object({ session: z.string().min(1).max(64) }),
])

/** The account page and its list of sessions; changes that check the password: account-changes.tsx. */
export async function accountRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const { sessions, db } = opts.accounts
  const { now } = opts.pageSessions

  app.get(ACCOUNT_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const { passkey } = accountQuery.parse(request.query)
    return showAccount(request, reply, current, opts, { notice: passkey })
  })

  app.post(`${ACCOUNT_PATH}/sessions/revoke`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = revokeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_REVOKE_FORM')
    // An id of another account's session matches no row of this user: nothing happens.
    // The current session is ended by signing out, not here.
    const { user, session } = current
    // Ending the owner's other sessions would let a thief holding a browser shut the
    // owner out of theirs: it needs a recent authentication, one session or all.
    const hidden: Record<string, string> =
      'all-others' in body.data ? { 'all-others': '1' } : { session: body.data.session }
    if (!(await requireRecentAuthentication(request, reply, current, opts, hidden))) return reply
    const revoked =
      'all-others' in body.data
        ? (await sessions.endAll(user.id, { except: session.id })) > 0
        : body.data.session !== session.id && (await sessions.endOne(user.id, body.data.session))
    if (revoked) {
      await recordAuthEvent(db, {
        userId: user.id,
        kind: 'session_revoked',
        at: now(),
        ...requestOrigin(request),
      })
    }
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })
}
