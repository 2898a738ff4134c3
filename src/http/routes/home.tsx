import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import type { Members } from '../../auth/members.js'
import type { Sessions } from '../../auth/sessions.js'
import { SignedInHomePage, SignedOutHomePage } from '../../views/home-page.js'
import { HttpError } from '../errors.js'
import { MEMBER_CURSOR } from '../form-fields.js'
import { pageContext, sendPage } from '../pages.js'
import { takeNoticeViews } from '../session-notices.js'

const homeQuery = z.object({
  after: z.string().regex(MEMBER_CURSOR).transform(Number).optional(),
})

export async function homeRoutes(
  app: FastifyInstance,
  { members, sessions }: { members: Members; sessions: Sessions },
) {
  app.get('/', async (request, reply) => {
    const ctx = pageContext(request, reply)
    if (!request.user || !request.session)
      return sendPage(reply, 200, <SignedOutHomePage ctx={ctx} />)
    const query = homeQuery.safeParse(request.query)
    if (!query.success) throw new HttpError(400, 'INVALID_CURSOR')
    const page = await members.page(query.data.after)
    const notices = await takeNoticeViews(sessions, request.session)
    return sendPage(
      reply,
      200,
      <SignedInHomePage
        ctx={ctx}
        username={request.user.username}
        notices={notices}
        members={page.members}
        nextAfterId={page.nextAfterId}
        isFirstPage={query.data.after === undefined}
      />,
    )
  })
}
