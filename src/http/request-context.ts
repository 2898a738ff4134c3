import type { Session, SessionUser } from '../auth/sessions.js'

// Request decorations, declared up front (app.ts) and typed here (STYLE.md #12).
declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. Set by the session plugin. */
    user: SessionUser | null
    /** The current session, or null. Set by the session plugin. */
    session: Session | null
  }
}

export {}
