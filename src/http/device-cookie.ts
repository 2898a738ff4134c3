import type { FastifyReply, FastifyRequest } from 'fastify'
import {
  DEVICE_TOKEN_MAX_AGE_SECONDS,
  deviceKeyFor,
  withNewDeviceToken,
  type DeviceTokenKeys,
} from '../auth/device-tokens.js'
import { sessionCookieOptions } from './session-cookie.js'

// The device tokens' cookie (src/auth/device-tokens.ts): HttpOnly, host-only and
// Secure like the session cookie, kept for the tokens' lifetime. It grants no
// access; it only lets its browser's sign-ins count on a counter of their own.

export interface DeviceCookieSettings {
  keys: DeviceTokenKeys
  cookieSecure: boolean
}

function deviceCookieName(secure: boolean): string {
  return secure ? '__Host-device' : 'device'
}

/** This browser's device key for the account `nameKey`, if it holds a valid token. */
export function requestDeviceKey(
  request: FastifyRequest,
  nameKey: string,
  { settings, now }: { settings: DeviceCookieSettings; now: Date },
): string | undefined {
  return deviceKeyFor(request.cookies[deviceCookieName(settings.cookieSecure)], {
    keys: settings.keys,
    nameKey,
    now,
  })
}

/** After a successful sign-in to `nameKey`: a new token for it (the old one is spent). */
export function renewDeviceCookie(
  request: FastifyRequest,
  reply: FastifyReply,
  nameKey: string,
  { settings, now }: { settings: DeviceCookieSettings; now: Date },
): void {
  const name = deviceCookieName(settings.cookieSecure)
  const value = withNewDeviceToken(request.cookies[name], { keys: settings.keys, nameKey, now })
  reply.setCookie(
    name,
    value,
    sessionCookieOptions({
      secure: settings.cookieSecure,
      maxAgeSeconds: DEVICE_TOKEN_MAX_AGE_SECONDS,
    }),
  )
}
