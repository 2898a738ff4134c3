import type { FastifyInstance } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import type { Members } from '../../auth/members.js'
import type { LimitsPolicy } from '../../config.js'
import type { AccountRouteOptions } from '../account-page.js'

/** What the API's routes are given: the account pages' services, and the limits. */
export interface ApiOptions extends AccountRouteOptions {
  limits: LimitsPolicy
  members: Members
}

/** The app, with routes typed by their zod schemas. */
export function typedByZod(app: FastifyInstance) {
  return app.withTypeProvider<ZodTypeProvider>()
}
