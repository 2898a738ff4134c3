import type { FastifyInstance } from 'fastify'
import { MEMBER_CURSOR } from '../../form-fields.js'
import { requireSession } from '../authentication.js'
import { typedByZod, type ApiOptions } from '../options.js'
import { problemResponse, sendProblem } from '../problem.js'
import { jsonResponse, membersQuery, membersSchema } from '../schemas.js'

// The members, as the home page lists them to the signed in: newest first, a page at
// a time, `next` the cursor of the following page (docs/contract.md, "Home page").

export async function membersApiRoutes(app: FastifyInstance, opts: ApiOptions) {
  typedByZod(app).get(
    '/members',
    {
      schema: {
        tags: ['members'],
        operationId: 'listMembers',
        summary: 'The members, newest first, 50 a page',
        querystring: membersQuery,
        response: {
          200: jsonResponse('OK', membersSchema),
          400: problemResponse('invalid_cursor'),
          401: problemResponse('unauthenticated'),
        },
      },
    },
    async (request, reply) => {
      if (!requireSession(request, reply)) return reply
      const { after } = request.query
      if (after !== undefined && !MEMBER_CURSOR.test(after)) {
        return sendProblem(request, reply, 400, 'invalid_cursor')
      }
      const page = await opts.members.page(after === undefined ? undefined : Number(after))
      return {
        members: page.members.map((m) => ({
          id: m.id,
          username: m.username,
          joined_at: m.createdAt.toISOString(),
        })),
        next: page.nextAfterId === null ? null : String(page.nextAfterId),
      }
    },
  )
}
