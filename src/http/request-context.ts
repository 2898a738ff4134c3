import type { Session, SessionUser } from '../auth/sessions.js'

// Decorations, declared up front (app.ts) and typed here.
declare module 'fastify' {
  interface FastifyInstance {
    /** false with REGISTRATION=closed (config.registrationOpen). */
    registrationOpen: boolean
    /** The app's clock (AppDependencies.now): what pages call "now". */
    clock: () => Date
  }

  interface FastifyRequest {
    /** The signed-in user, or null. Set by the session plugin. */
    user: SessionUser | null
    /** The current session, or null. Set by the session plugin. */
    session: Session | null
  }
}

export {}
