import type { FastifyReply, FastifyRequest } from 'fastify'
import { PENDING_SIGN_IN_SECONDS } from '../auth/pending-sign-ins.js'
import { sessionCookieOptions } from './session-cookie.js'

// The cookie of a sign-in's second step (src/auth/pending-sign-ins.ts): it binds the
// step to the browser that gave the right password, for five minutes. HttpOnly,
// SameSite=Lax and __Host- when secure, as the session cookie; it opens no page.

export function signInStepCookieName(secure: boolean): string {
  return secure ? '__Host-sign-in-step' : 'sign-in-step'
}

export function setSignInStepCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(
    signInStepCookieName(secure),
    token,
    sessionCookieOptions({ secure, maxAgeSeconds: PENDING_SIGN_IN_SECONDS }),
  )
}

export function signInStepToken(request: FastifyRequest, secure: boolean): string | undefined {
  return request.cookies[signInStepCookieName(secure)]
}

export function clearSignInStepCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(signInStepCookieName(secure), sessionCookieOptions({ secure }))
}
