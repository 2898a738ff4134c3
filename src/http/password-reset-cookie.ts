import type { FastifyReply, FastifyRequest } from 'fastify'
import { sessionCookieOptions } from './session-cookie.js'

// The cookie that carries a reset link's token from the link's address to the form
// (routes/password-reset.tsx), so that the token is in no address the page loads
// after: not in the history of the form's page, nor in a Referer it could send.
// HttpOnly, SameSite=Lax (the link is opened from a mail or a chat: a cross-site
// navigation) and __Host- when secure, as the session cookie.

export function passwordResetCookieName(secure: boolean): string {
  return secure ? '__Host-password-reset' : 'password-reset'
}

export function setPasswordResetCookie(
  reply: FastifyReply,
  token: string,
  { secure, maxAgeSeconds }: { secure: boolean; maxAgeSeconds: number },
): void {
  reply.setCookie(
    passwordResetCookieName(secure),
    token,
    sessionCookieOptions({ secure, maxAgeSeconds }),
  )
}

export function passwordResetToken(request: FastifyRequest, secure: boolean): string | undefined {
  return request.cookies[passwordResetCookieName(secure)]
}

export function clearPasswordResetCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(passwordResetCookieName(secure), sessionCookieOptions({ secure }))
}
