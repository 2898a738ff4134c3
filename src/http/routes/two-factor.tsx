import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { z } from 'zod'
import { verifyCredentials } from '../../auth/accounts.js'
import {
  beginTotpSetup,
  enableTotp,
  pendingTotpSetup,
  renewRecoveryCodes,
  isSecondFactorOn,
  secondFactorStatus,
  turnOffSecondFactor,
  type TotpSetup,
} from '../../auth/second-factor.js'
import { TwoFactorPage, type TwoFactorState } from '../../views/two-factor-page.js'
import { checkPasswordOfSignedIn } from '../account-password-check.js'
import { ACCOUNT_PATH, signedIn, type AccountRouteOptions, type SignedIn } from '../account-page.js'
import { HttpError } from '../errors.js'
import { codeField, passwordField } from '../form-fields.js'
import { pageContext, sendPage, translatorFor } from '../pages.js'
import {
  confirmFirst,
  recentlyAuthenticated,
  requireRecentAuthentication,
  secondFactorCode,
} from '../reauthentication.js'
import { requestOrigin } from '../request-origin.js'

// /account/two-factor (docs/contract.md "Second factor and passkeys"): setting up an
// authenticator app, recovery codes, turning it off. The rules are in
// src/auth/second-factor.ts; this file picks the page and the status.

export const TWO_FACTOR_PATH = `${ACCOUNT_PATH}/two-factor`

const enableBody = z.object({
  code: codeField,
  setup: z.string().max(256).optional(),
})
const disableBody = z.object({ password: passwordField, code: codeField })

/**
 * The QR code of the otpauth:// URI, drawn on the server as SVG, for an <img>. The
 * library is loaded at the first setup, not at start (tens of ms of a cold start).
 */
async function qrCodeOf(uri: string): Promise<string> {
  const { default: QRCode } = await import('qrcode')
  const svg = await QRCode.toString(uri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 200,
  })
  return `data:image/svg+xml;base64,${Buffer.from(svg).toString('base64')}`
}

export async function twoFactorRoutes(app: FastifyInstance, opts: AccountRouteOptions) {
  const { db } = opts.accounts
  const { now } = opts.pageSessions

  function show(
    request: FastifyRequest,
    reply: FastifyReply,
    statusCode: number,
    state: TwoFactorState,
  ) {
    reply.header('cache-control', 'no-store')
    return sendPage(
      reply,
      statusCode,
      <TwoFactorPage ctx={pageContext(request, reply)} state={state} />,
    )
  }

  async function setupState(setup: TotpSetup, codeError?: string): Promise<TwoFactorState> {
    return { kind: 'setup', setup: { ...setup, qrCode: await qrCodeOf(setup.uri) }, codeError }
  }

  /** The page as it is now: the factor on, or a new secret to set up. */
  async function showCurrent(
    request: FastifyRequest,
    reply: FastifyReply,
    { user }: SignedIn,
    statusCode = 200,
    disableErrors?: { password?: string; code?: string },
  ) {
    const status = await secondFactorStatus(db, user.id)
    if (status.enabled) {
      const state = { kind: 'enabled', recoveryCodesLeft: status.recoveryCodesLeft, disableErrors }
      return show(request, reply, statusCode, state as TwoFactorState)
    }
    const setup = await beginTotpSetup(opts.secondFactor, {
      userId: user.id,
      username: user.username,
      now: now(),
    })
    // Turned on by another tab between the two reads: show it on.
    if (!setup) return showCurrent(request, reply, { user } as SignedIn, statusCode, disableErrors)
    return show(request, reply, statusCode, await setupState(setup))
  }

  app.get(TWO_FACTOR_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    if (!(await recentlyAuthenticated(current, opts))) return confirmFirst(reply, TWO_FACTOR_PATH)
    return showCurrent(request, reply, current)
  })

  app.post(TWO_FACTOR_PATH, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = enableBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_TWO_FACTOR_FORM')
    // The code typed is for a secret shown before the confirmation lapsed: start again.
    if (!(await recentlyAuthenticated(current, opts))) return confirmFirst(reply, TWO_FACTOR_PATH)
    const t = translatorFor(request)
    const enabled = await enableTotp(opts.secondFactor, {
      userId: current.user.id,
      code: body.data.code,
      setupToken: body.data.setup,
      currentSessionId: current.session.id,
      now: now(),
      origin: requestOrigin(request),
    })
    if (enabled.ok) {
      return show(request, reply, 200, {
        kind: 'codes',
        codes: enabled.recoveryCodes,
        justEnabled: true,
        otherSessionsEnded: enabled.otherSessionsEnded,
      })
    }
    if (enabled.reason === 'no_setup') return showCurrent(request, reply, current, 409)
    // The same secret again, so the app already holding it can give another code.
    const setup = await pendingTotpSetup(opts.secondFactor, {
      userId: current.user.id,
      username: current.user.username,
    })
    if (!setup) return showCurrent(request, reply, current, 409)
    const wrong = enabled.reason === 'wrong'
    const error = t(wrong ? 'error.code_wrong' : 'error.code_malformed')
    return show(request, reply, wrong ? 401 : 400, await setupState(setup, error))
  })

  app.post(`${TWO_FACTOR_PATH}/recovery-codes`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    if (!(await requireRecentAuthentication(request, reply, current, opts))) return reply
    const codes = await renewRecoveryCodes(opts.secondFactor, {
      userId: current.user.id,
      now: now(),
      origin: requestOrigin(request),
    })
    if (!codes) return showCurrent(request, reply, current, 409)
    return show(request, reply, 200, {
      kind: 'codes',
      codes,
      justEnabled: false,
      otherSessionsEnded: 0,
    })
  })

  // The password and a code, always: they are the confirmation (docs/contract.md).
  app.post(`${TWO_FACTOR_PATH}/disable`, async (request, reply) => {
    const current = signedIn(request, reply)
    if (!current) return reply
    const body = disableBody.safeParse(request.body)
    if (!body.success) throw new HttpError(400, 'INVALID_TWO_FACTOR_FORM')
    const t = translatorFor(request)
    const userId = current.user.id
    if (!(await isSecondFactorOn(db, userId))) {
      return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
    }
    const checked = await checkPasswordOfSignedIn(request, reply, current, opts, (lease) =>
      verifyCredentials(
        db,
        { username: current.user.username, password: body.data.password },
        { policy: opts.accounts.policy, lease },
      ),
    )
    if ('refused' in checked) {
      return showCurrent(request, reply, current, 429, { password: checked.refused })
    }
    if (!checked.ok) {
      return showCurrent(request, reply, current, 401, { password: t('error.password_wrong') })
    }
    const code = await secondFactorCode(request, reply, opts, { userId, typed: body.data.code })
    if (!code.ok) return showCurrent(request, reply, current, code.statusCode, { code: code.error })
    await turnOffSecondFactor(opts.secondFactor, {
      userId,
      currentSessionId: current.session.id,
      now: now(),
      origin: requestOrigin(request),
    })
    return reply.header('cache-control', 'no-store').redirect(ACCOUNT_PATH, 303)
  })
}
