import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  DEVICE_TOKEN_MAX_AGE_SECONDS,
  isLiveDeviceToken,
  issueDeviceToken,
  signedDeviceNonce,
  type DeviceTokenKeys,
} from '../auth/device-tokens.js'
import type { Queryable } from '../db/database.js'
import { sessionCookieOptions } from './session-cookie.js'

// The device tokens' cookie (src/auth/device-tokens.ts): HttpOnly, host-only and
// Secure like the session cookie, kept for the tokens' lifetime. It grants no
// access; it only lets its browser's sign-ins count on a counter of their own.

export interface DeviceCookieSettings {
  db: Queryable
  keys: DeviceTokenKeys
  cookieSecure: boolean
}

function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-device' : 'device'
}

/**
 * This browser's device key for the account of the typed name: the nonce of a token
 * that is signed and that the server still holds for that account. A cookie without
 * a signed entry for the name costs no query.
 */
export async function requestDeviceKey(
  request: FastifyRequest,
  name: { nameKey: string; usernameKey: string },
  { settings, now }: { settings: DeviceCookieSettings; now: Date },
): Promise<string | undefined> {
  const nonce = signedDeviceNonce(request.cookies[deviceCookieName(settings.cookieSecure)], {
    keys: settings.keys,
    nameKey: name.nameKey,
    now,
  })
  if (nonce === undefined) return undefined
  const live = await isLiveDeviceToken(settings.db, {
    nonce,
    usernameKey: name.usernameKey,
    now,
  })
  return live ? nonce : undefined
}

/**
 * After a successful sign-in (or a new password) for the account: a new token for
 * this browser; the one it used, if any, is deleted on the server.
 */
export async function renewDeviceCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  { nameKey, user }: { nameKey: string; user: { id: number; passwordVersion: number } },
  { settings, now }: { settings: DeviceCookieSettings; now: Date },
): Promise<void> {
  const name = deviceCookieName(settings.cookieSecure)
  const value = await issueDeviceToken(settings.db, request.cookies[name], {
    keys: settings.keys,
    nameKey,
    user,
    now,
  })
  reply.setCookie(
    name,
    value,
    sessionCookieOptions({
      secure: settings.cookieSecure,
      maxAgeSeconds: DEVICE_TOKEN_MAX_AGE_SECONDS,
    }),
  )
}
