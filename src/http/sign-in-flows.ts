import type { FastifyReply, FastifyRequest } from 'fastify'
import { verifyCredentials, type AccountServices } from '../auth/accounts.js'
import { clientAddressKey } from '../auth/client-address.js'
import { recordAuthEvent } from '../auth/events.js'
import type { HashLease } from '../auth/hash-queue.js'
import {
  admitClientHashing,
  attemptPasswordCheck,
  type PasswordAttemptContext,
} from '../auth/password-attempts.js'
import { startPendingSignIn, type PendingSignIn } from '../auth/pending-sign-ins.js'
import { registerAccount, type RegistrationResult } from '../auth/registration.js'
import { countRegistrationAttempt } from '../auth/registration-limit.js'
import {
  checkSecondFactor,
  isSecondFactorOn,
  type SecondFactorServices,
} from '../auth/second-factor.js'
import { signInSubject, typedNameKeys } from '../auth/sign-in-limits.js'
import type { User } from '../auth/users.js'
import type { LimitsPolicy } from '../config.js'
import { renewDeviceCookie, requestDeviceKey, type DeviceCookieSettings } from './device-cookie.js'
import { requestOrigin } from './request-origin.js'
import { secondFactorFailed } from './second-factor-failures.js'
import {
  giveSession,
  startSession,
  type PageSessions,
  type StartedSession,
} from './session-changes.js'
import { refuseAttempt } from './too-many-attempts.js'

// Signing up, signing in with a password, and the second step of a sign-in: the rules
// (limits, the line of hashes, fixation, events, device tokens), once, for the pages
// (routes/register.tsx, login.tsx, login-two-factor.tsx) and the JSON API
// (api/routes/), which differ only in how they answer. An attacker gains nothing by
// switching between them: both count in the same tables.

export interface SignInFlowOptions {
  pageSessions: PageSessions
  accounts: AccountServices
  devices: DeviceCookieSettings
}

/** Refused by a limit: Retry-After is set; `message` says when to try again. */
export interface Refused {
  kind: 'refused'
  message: string
  retryAfterSeconds: number
}

function refused(request: FastifyRequest, reply: FastifyReply, retryAfterSeconds: number): Refused {
  return {
    kind: 'refused',
    message: refuseAttempt(request, reply, retryAfterSeconds),
    retryAfterSeconds,
  }
}

export type PasswordSignIn =
  | Refused
  /** Unknown name or wrong password: the same answer, at the same cost. */
  | { kind: 'failed' }
  /** The password was right, but an operator disabled the account. */
  | { kind: 'disabled' }
  /** The password was right and the account has a second factor: no session yet. */
  | { kind: 'second_step'; token: string }
  | { kind: 'signed_in'; user: User; started: StartedSession }

// A wrong password for an existing account goes to that account's security log once
// the answer has left: written before it, it would make such answers slower than those
// for unknown names, and so tell which names exist. So does the start of a wait on the
// account counter, which the account page reports.
const failedSignIns = new WeakMap<
  FastifyRequest,
  { db: PageSessions['db']; userId: number; at: Date; accountWaitStarted: boolean }
>()

/** The onResponse hook of every route that calls signInWithPassword. */
export async function recordFailedSignIn(request: FastifyRequest): Promise<void> {
  const failed = failedSignIns.get(request)
  if (!failed) return
  const { db } = failed
  const event = { userId: failed.userId, at: failed.at, ...requestOrigin(request) }
  await recordAuthEvent(db, { ...event, kind: 'sign_in_failed' })
  if (failed.accountWaitStarted) await recordAuthEvent(db, { ...event, kind: 'account_locked' })
}

/**
 * A sign-in with a name and password. The name is looked up only once the attempt is
 * let through the limits: a refused attempt gets the same answer, and costs no
 * verification, whether the name exists or not.
 */
export async function signInWithPassword(
  request: FastifyRequest,
  reply: FastifyReply,
  input: { username: string; password: string; remember: boolean; nextPath: string | undefined },
  opts: SignInFlowOptions & { passwordAttempts: PasswordAttemptContext },
): Promise<PasswordSignIn> {
  const { db, now } = opts.pageSessions
  const { username, password, remember } = input
  const at = now()
  const name = typedNameKeys(username)
  const device = { settings: opts.devices, now: at }
  const subject = signInSubject(username, request.ip, await requestDeviceKey(request, name, device))
  const attempt = await attemptPasswordCheck(opts.passwordAttempts, subject, async (lease) => {
    const result = await verifyCredentials(
      db,
      { username, password },
      { policy: opts.accounts.policy, lease },
    )
    if (!result.ok) return result
    // With a second factor, a right password only opens the second step: no session
    // yet, and no sign-in event until the code is right.
    if (await isSecondFactorOn(db, result.user.id)) {
      const step = await startPendingSignIn(db, {
        userId: result.user.id,
        passwordVersion: result.user.passwordVersion,
        nameKey: name.nameKey,
        remember,
        nextPath: input.nextPath ?? null,
        now: at,
      })
      return { ...result, secondStep: step.token, started: undefined }
    }
    // Refused when the password changed since it was verified: an old password must
    // not win a session by racing its change.
    const started = await startSession(
      request,
      reply,
      { user: result.user, remember },
      opts.pageSessions,
    )
    if ('refused' in started) {
      // Lost a race: to a disable (told as one), or to a password change; either way
      // the password it verified is no guess.
      const { id } = result.user
      if (started.refused === 'account_disabled') {
        return { ok: false, reason: 'disabled', userId: id, stale: true } as const
      }
      return { ok: false, reason: 'password_changed', stale: true } as const
    }
    return { ...result, started, secondStep: undefined }
  })
  if (attempt.status === 'refused') return refused(request, reply, attempt.retryAfterSeconds)
  const { result } = attempt
  if (!result.ok) {
    if (result.reason === 'wrong_password') {
      failedSignIns.set(request, {
        db,
        userId: result.userId,
        at,
        accountWaitStarted: attempt.accountWaitUntil !== null,
      })
    }
    if (result.reason === 'disabled') {
      const origin = requestOrigin(request)
      await recordAuthEvent(db, { userId: result.userId, kind: 'sign_in_refused', at, ...origin })
      return { kind: 'disabled' }
    }
    return { kind: 'failed' }
  }
  if (result.secondStep !== undefined) return { kind: 'second_step', token: result.secondStep }
  await renewDeviceCookie(request, reply, { nameKey: name.nameKey, user: result.user }, device)
  // Every other session of the account is told of it on its next page (events.ts).
  await recordAuthEvent(db, {
    userId: result.user.id,
    kind: 'signed_in',
    sessionId: result.started.id,
    at,
    ...requestOrigin(request),
  })
  return { kind: 'signed_in', user: result.user, started: result.started }
}

export type SecondStep =
  | Refused
  | { kind: 'malformed' }
  | { kind: 'wrong' }
  /** Spent already, or the password changed since the first step: sign in again. */
  | { kind: 'expired' }
  | { kind: 'signed_in'; started: StartedSession }

/**
 * The second step: a current code or an unused recovery code for the pending sign-in
 * signs in. In the session's own transaction the step is spent (a second request with
 * the same step makes no second session) and, with a recovery code, which is used when
 * the phone is gone (perhaps to whoever has it), the account's other sessions end
 * (ASVS 7.4.3); this new one stays.
 */
export async function finishSecondStep(
  request: FastifyRequest,
  reply: FastifyReply,
  { pending, code }: { pending: PendingSignIn; code: string },
  opts: SignInFlowOptions & { secondFactor: SecondFactorServices },
): Promise<SecondStep> {
  const { db, now } = opts.pageSessions
  const at = now()
  const { userId } = pending
  const check = await checkSecondFactor(opts.secondFactor, { userId, code, now: at })
  if (!check.ok) {
    if (check.reason === 'refused') return refused(request, reply, check.retryAfterSeconds)
    if (check.reason === 'malformed') return { kind: 'malformed' }
    await secondFactorFailed(request, db, { userId, at })
    return { kind: 'wrong' }
  }
  const recovery = check.method === 'recovery_code'
  const user = { id: userId, passwordVersion: pending.passwordVersion }
  const started = await startSession(
    request,
    reply,
    {
      user,
      remember: pending.remember,
      secondStep: { pendingSignInId: pending.id, endOtherSessions: recovery },
    },
    opts.pageSessions,
  )
  // Spent, or the password changed, or an operator disabled the account meanwhile
  // (which also dropped the step): sign in again.
  if ('refused' in started) return { kind: 'expired' }
  const origin = requestOrigin(request)
  if (recovery) await recordAuthEvent(db, { userId, kind: 'recovery_code_used', at, ...origin })
  await renewDeviceCookie(
    request,
    reply,
    { nameKey: pending.nameKey, user },
    { settings: opts.devices, now: at },
  )
  // Every other session of the account is told of it on its next page (events.ts).
  await recordAuthEvent(db, { userId, kind: 'signed_in', sessionId: started.id, at, ...origin })
  return { kind: 'signed_in', started }
}

export type Registration =
  | Refused
  /** The body was not what the form or the API sends. */
  | { kind: 'invalid' }
  | { kind: 'rejected'; errors: Extract<RegistrationResult, { ok: false }>['errors'] }
  | { kind: 'signed_in'; user: User; started: StartedSession | null }

/**
 * Making an account and signing it in. A fair place in the line of hashes first
 * (hash-queue.ts): one address cannot fill it and keep everyone else from hashing,
 * and a request refused for load has counted nothing against the address's
 * registrations. Then every attempt let in counts, before `parse` and any hashing.
 * (The API's body has passed its schema by then: a body of the wrong shape, refused
 * at no cost, is not counted there.)
 */
export async function registerThroughLimits(
  request: FastifyRequest,
  reply: FastifyReply,
  parse: () => { username: string; password: string } | null,
  opts: SignInFlowOptions & { limits: LimitsPolicy },
): Promise<Registration> {
  const { db, now } = opts.pageSessions
  const at = now()
  const admission = admitClientHashing(opts.limits, { address: clientAddressKey(request.ip) })
  if (!admission.ok) return refused(request, reply, admission.retryAfterSeconds)
  const lease: HashLease = admission.lease
  try {
    if (opts.limits.enabled) {
      const attempt = await countRegistrationAttempt(db, clientAddressKey(request.ip), {
        perMinute: opts.limits.registrationsPerMinute,
        now: at,
      })
      if (!attempt.allowed) return refused(request, reply, attempt.retryAfterSeconds)
    }
    const input = parse()
    if (input === null) return { kind: 'invalid' }
    // The account, its event and its first session in one transaction (registration.ts).
    const result = await registerAccount(opts.accounts, input, {
      now: at,
      lease,
      firstSession: {
        remember: false,
        replacesSessionId: request.session?.id,
        ...requestOrigin(request),
      },
    })
    lease.release() // hashing is done; the place is someone else's (release is idempotent)
    if (!result.ok) return { kind: 'rejected', errors: result.errors }
    const started = result.session ? giveSession(reply, result.session, opts.pageSessions) : null
    await renewDeviceCookie(
      request,
      reply,
      { nameKey: typedNameKeys(result.user.username).nameKey, user: result.user },
      { settings: opts.devices, now: at },
    )
    return { kind: 'signed_in', user: result.user, started }
  } finally {
    lease.release()
  }
}
