import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { listMembers } from '../../auth/users.js'
import type { Caches } from '../../cache/caches.js'
import type { Database } from '../../db/database.js'
import { SignedInHomePage, SignedOutHomePage } from '../../views/home-page.js'
import { HttpError } from '../errors.js'
import { pageContext, sendPage } from '../pages.js'

const homeQuery = z.object({
  // A member id from the previous page's "Next" link: digits only (no "0x10", "1e3").
  after: z
    .string()
    .regex(/^[1-9]\d{0,15}$/)
    .transform(Number)
    .optional(),
})

export async function homeRoutes(
  app: FastifyInstance,
  { db, caches }: { db: Database; caches?: Caches | undefined },
) {
  app.get('/', async (request, reply) => {
    const ctx = pageContext(request, reply)
    if (!request.user) return sendPage(reply, 200, <SignedOutHomePage ctx={ctx} />)
    const query = homeQuery.safeParse(request.query)
    if (!query.success) throw new HttpError(400, 'INVALID_CURSOR')
    const { members, nextAfterId } = await listMembers(db, {
      afterId: query.data.after,
      known: caches?.memberPages,
    })
    return sendPage(
      reply,
      200,
      <SignedInHomePage
        ctx={ctx}
        username={request.user.username}
        members={members}
        nextAfterId={nextAfterId}
        isFirstPage={query.data.after === undefined}
      />,
    )
  })
}
