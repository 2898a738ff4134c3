import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  preValidationHookHandler,
} from 'fastify'
import { z } from 'zod'
import { clientAddressKey } from '../../auth/client-address.js'
import { describeDevice } from '../../auth/devices.js'
import { recordAuthEvent } from '../../auth/events.js'
import { passkeyName } from '../../auth/passkey-responses.js'
import {
  countPasskeyCeremonyStart,
  removePasskeyOf,
  renamePasskeyOf,
} from '../../auth/passkey-management.js'
import {
  beginPasskeyReauthentication,
  beginPasskeyRegistration,
  beginPasskeySignIn,
  finishPasskeyRegistration,
  finishPasskeySignIn,
  verifyPasskeyForUser,
  type CeremonyFailure,
} from '../../auth/passkeys.js'
import type { MessageKey } from '../../i18n/translate.js'
import { ACCOUNT_PATH, showAccount, signedIn, type AccountRouteOptions } from '../account-page.js'
import { HttpError } from '../errors.js'
import { safeNextPath } from '../next-path.js'
import { translatorFor } from '../pages.js'
import {
  CONFIRM_PATH,
  noteReauthentication,
  recentlyAuthenticated,
  requireRecentAuthentication,
} from '../reauthentication.js'
import { requestOrigin } from '../request-origin.js'
import { startSession } from '../session-changes.js'
import { refuseAttempt } from '../too-many-attempts.js'

// The passkey addresses (docs/contract.md). The ceremonies are JSON, asked for by
// public/passkeys.js: POST, same-origin, with the page's anti-forgery token as the
// `_csrf` field of the JSON body (src/http/forgery.ts reads it there as from a form).
// Renaming and removing are plain forms. The WebAuthn rules are in src/auth/passkeys.ts.

// A ceremony's body is a few KiB; far less than the app's 64 KiB (413 above).
const CEREMONY_BODY_LIMIT_BYTES = 16 * 1024
const CHALLENGE_COOKIE_MAX_AGE_SECONDS = 5 * 60
const CHALLENGE_ID = /^[\w-]{16,64}$/

const ceremonyBody = z.object({ response: z.unknown() })
const signInBody = ceremonyBody.extend({
  next: z.string().max(2048).optional(),
  remember: z.boolean().optional(),
})
const addBody = ceremonyBody.extend({ name: z.string().max(256).optional() })
const passkeyId = z
  .string()
  .min(1)
  .max(1400)
  .regex(/^[\w-]+$/)
const renameBody = z.object({ passkey: passkeyId, name: z.string().max(1024) })
const removeBody = z.object({ passkey: passkeyId })

/** The cookie that ties a ceremony's two requests to one browser: the challenge row's id. */
function challengeCookieName(secure: boolean): string {
  return secure ? '__Host-passkey-challenge' : 'passkey-challenge'
}

function challengeCookieOptions(secure: boolean, maxAge?: number) {
  return { path: '/', httpOnly: true, sameSite: 'strict', secure, maxAge } as const
}

/** The JSON endpoints take JSON only: anything else is a 400 before the token is read. */
const jsonOnly: preValidationHookHandler = (request, reply, done) => {
  const type = request.headers['content-type'] ?? ''
  if (!/^application\/json\s*(;|$)/i.test(type) || typeof request.body !== 'object') {
    void jsonAnswer(reply, 400, { error: 'invalid_request' })
    return
  }
  done()
}

const CEREMONY_ROUTE = { bodyLimit: CEREMONY_BODY_LIMIT_BYTES, preValidation: jsonOnly }

function jsonAnswer(reply: FastifyReply, statusCode: number, body: object): FastifyReply {
  return reply.code(statusCode).header('cache-control', 'no-store').send(body)
}

export async function passkeyRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const svc = opts.passkeys
  const { cookieSecure } = opts.pageSessions
  const cookieName = challengeCookieName(cookieSecure)

  function refuse(
    request: FastifyRequest,
    reply: FastifyReply,
    reason: CeremonyFailure | 'no_challenge',
    refusedKey: MessageKey,
  ): FastifyReply {
    const t = translatorFor(request)
    if (reason === 'malformed') {
      return jsonAnswer(reply, 400, { error: 'invalid_request', message: t('http.badRequest') })
    }
    return jsonAnswer(reply, 401, { error: 'passkey_refused', message: t(refusedKey) })
  }

  /** Counts one ceremony begun from this address; false (429 sent) when over the limit. */
  async function withinOptionsLimit(
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'sign_in' | 'account' = 'account',
  ) {
    const decision = await countPasskeyCeremonyStart(svc.db, kind, {
      addressKey: clientAddressKey(request.ip),
      now: svc.now(),
    })
    if (decision.allowed) return true
    const message = refuseAttempt(request, reply, decision.retryAfterSeconds)
    void jsonAnswer(reply, 429, { error: 'too_many_requests', message })
    return false
  }

  function setChallengeCookie(reply: FastifyReply, challengeId: string) {
    reply.setCookie(
      cookieName,
      challengeId,
      challengeCookieOptions(cookieSecure, CHALLENGE_COOKIE_MAX_AGE_SECONDS),
    )
  }

  /** The challenge id this browser holds, once: the cookie goes with this answer. */
  function takeChallengeCookie(request: FastifyRequest, reply: FastifyReply): string | null {
    const value = request.cookies[cookieName]
    if (value !== undefined) reply.clearCookie(cookieName, challengeCookieOptions(cookieSecure))
    return value !== undefined && CHALLENGE_ID.test(value) ? value : null
  }

  // --- signing in ------------------------------------------------------------------

  app.post('/passkeys/sign-in/options', CEREMONY_ROUTE, async (request, reply) => {
    if (!(await withinOptionsLimit(request, reply, 'sign_in'))) return reply
    const { challengeId, options } = await beginPasskeySignIn(svc)
    setChallengeCookie(reply, challengeId)
    return jsonAnswer(reply, 200, { options })
  })

  app.post('/passkeys/sign-in', CEREMONY_ROUTE, async (request, reply) => {
    const body = signInBody.safeParse(request.body)
    if (!body.success) return refuse(request, reply, 'malformed', 'passkey.refused')
    const challengeId = takeChallengeCookie(request, reply)
    if (challengeId === null) return refuse(request, reply, 'no_challenge', 'passkey.refused')
    const origin = requestOrigin(request)
    const result = await finishPasskeySignIn(svc, {
      challengeId,
      response: body.data.response,
      origin,
    })
    if (!result.ok) return refuse(request, reply, result.reason, 'passkey.refused')
    // A full sign-in, as with a password: a new session, the old one ended (fixation).
    const started = await startSession(
      request,
      reply,
      // A passkey with user verification is two factors in one (something held,
      // unlocked by something known or been): no code is asked after it.
      { user: result.user, remember: body.data.remember ?? false, secondFactorGiven: true },
      opts.pageSessions,
    )
    if ('refused' in started) {
      // An operator disabled the account: told as a password's sign-in tells it, since
      // the passkey was verified.
      if (started.refused === 'account_disabled') {
        const at = svc.now()
        await recordAuthEvent(svc.db, {
          userId: result.user.id,
          kind: 'sign_in_refused',
          at,
          ...origin,
        })
        const message = translatorFor(request)('login.disabled')
        return jsonAnswer(reply, 403, { error: 'account_disabled', message })
      }
      return refuse(request, reply, 'not_verified', 'passkey.refused')
    }
    // One event for one sign-in, as with a password; every other session of the
    // account is told of it on its next page (events.ts).
    await recordAuthEvent(svc.db, {
      userId: result.user.id,
      kind: 'signed_in',
      sessionId: started.id,
      at: svc.now(),
      ...origin,
    })
    return jsonAnswer(reply, 200, { redirect: safeNextPath(body.data.next) ?? '/' })
  })

  // --- the account's passkeys ------------------------------------------------------

  /** The signed-in session, or a 401 in JSON: a script asked, not a person. */
  function signedInForJson(request: FastifyRequest, reply: FastifyReply) {
    if (request.user && request.session) {
      return {
        user: request.user,
        owner: { userId: request.user.id, sessionId: request.session.id },
      }
    }
    void jsonAnswer(reply, 401, { error: 'signed_out' })
    return null
  }

  /**
   * Adding a passkey needs a recent authentication (sudo mode): without one, a JSON
   * 401 that names the confirmation page, where the script sends the person (and
   * back to /account after it).
   */
  async function recentForJson(request: FastifyRequest, reply: FastifyReply) {
    const signed = signedIn(request, reply)
    if (signed && (await recentlyAuthenticated(signed, opts))) return true
    void jsonAnswer(reply, 401, {
      error: 'reauthenticate',
      redirect: `${CONFIRM_PATH}?next=${encodeURIComponent(ACCOUNT_PATH)}`,
    })
    return false
  }

  app.post(`${ACCOUNT_PATH}/passkeys/options`, CEREMONY_ROUTE, async (request, reply) => {
    const current = signedInForJson(request, reply)
    if (!current) return reply
    if (!(await recentForJson(request, reply))) return reply
    if (!(await withinOptionsLimit(request, reply))) return reply
    const { challengeId, options } = await beginPasskeyRegistration(svc, {
      owner: current.owner,
      username: current.user.username,
    })
    setChallengeCookie(reply, challengeId)
    return jsonAnswer(reply, 200, { options })
  })

  app.post(`${ACCOUNT_PATH}/passkeys`, CEREMONY_ROUTE, async (request, reply) => {
    const current = signedInForJson(request, reply)
    if (!current) return reply
    if (!(await recentForJson(request, reply))) return reply
    const body = addBody.safeParse(request.body)
    const name = body.success ? passkeyName(body.data.name ?? defaultName(request)) : null
    if (!body.success || name === null) {
      return refuse(request, reply, 'malformed', 'account.passkeyNotAdded')
    }
    const challengeId = takeChallengeCookie(request, reply)
    if (challengeId === null)
      return refuse(request, reply, 'no_challenge', 'account.passkeyNotAdded')
    const result = await finishPasskeyRegistration(svc, {
      owner: current.owner,
      challengeId,
      response: body.data.response,
      name,
      origin: requestOrigin(request),
    })
    if (!result.ok) {
      const key =
        result.reason === 'duplicate'
          ? 'account.passkeyDuplicate'
          : result.reason === 'too_many'
            ? 'account.passkeyTooMany'
            : 'account.passkeyNotAdded'
      return refuse(request, reply, result.reason, key)
    }
    return jsonAnswer(reply, 200, { redirect: `${ACCOUNT_PATH}?passkey=added` })
  })

  app.post(`${ACCOUNT_PATH}/passkeys/rename`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = renameBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSKEY_FORM')
    const name = passkeyName(body.data.name)
    if (name === null) {
      const passkeyError = translatorFor(request)('error.passkey_name')
      return showAccount(request, reply, current, opts, {
        statusCode: 400,
        forms: { passkeyError },
      })
    }
    // A passkey of another account matches no row: nothing happens.
    const renamed = await renamePasskeyOf(svc, {
      userId: current.user.id,
      passkeyId: body.data.passkey,
      name,
      origin: requestOrigin(request),
    })
    const to = renamed ? `${ACCOUNT_PATH}?passkey=renamed` : ACCOUNT_PATH
    return reply.header('cache-control', 'no-store').redirect(to, 303)
  })

  app.post(`${ACCOUNT_PATH}/passkeys/remove`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = removeBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_PASSKEY_FORM')
    const hidden = { passkey: body.data.passkey }
    if (!(await requireRecentAuthentication(request, reply, current, opts, hidden))) return reply
    const { removed } = await removePasskeyOf(svc, {
      owner: { userId: current.user.id, sessionId: current.session.id },
      passkeyId: body.data.passkey,
      origin: requestOrigin(request),
    })
    const to = removed ? `${ACCOUNT_PATH}?passkey=removed` : ACCOUNT_PATH
    return reply.header('cache-control', 'no-store').redirect(to, 303)
  })

  // --- confirming who a signed-in user is (sudo mode) ------------------------------

  // The challenge is for this session and of purpose `reauthenticate`, and only the
  // account's own passkeys verify (src/auth/passkeys.ts verifyPasskeyForUser). Once it
  // answers `{ ok }`, the session is recent: the confirmation page's script submits its
  // form without a password and the change goes on (src/http/reauthentication.tsx).

  app.post(`${CONFIRM_PATH}/passkey/options`, CEREMONY_ROUTE, async (request, reply) => {
    const current = signedInForJson(request, reply)
    if (!current) return reply
    if (!(await withinOptionsLimit(request, reply))) return reply
    const { challengeId, options } = await beginPasskeyReauthentication(svc, current.owner)
    setChallengeCookie(reply, challengeId)
    return jsonAnswer(reply, 200, { options })
  })

  app.post(`${CONFIRM_PATH}/passkey`, CEREMONY_ROUTE, async (request, reply) => {
    const current = signedInForJson(request, reply)
    if (!current) return reply
    const body = ceremonyBody.safeParse(request.body)
    if (!body.success) return refuse(request, reply, 'malformed', 'confirm.passkeyRefused')
    const challengeId = takeChallengeCookie(request, reply)
    if (challengeId === null) {
      return refuse(request, reply, 'no_challenge', 'confirm.passkeyRefused')
    }
    const result = await verifyPasskeyForUser(svc, {
      owner: current.owner,
      challengeId,
      response: body.data.response,
      origin: requestOrigin(request),
    })
    if (!result.ok) return refuse(request, reply, result.reason, 'confirm.passkeyRefused')
    await noteReauthentication(request, opts, current.owner)
    return jsonAnswer(reply, 200, { ok: true })
  })
}

/** A new passkey's name when the browser sends none: the device it was added on. */
function defaultName(request: FastifyRequest): string {
  const t = translatorFor(request)
  const device = describeDevice(request.headers['user-agent'] ?? null)
  if (device.browser && device.os) {
    return t('account.deviceOn', { browser: device.browser, os: device.os })
  }
  return device.browser ?? device.os ?? t('passkey.defaultName')
}
