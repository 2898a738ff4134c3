import { createHash, timingSafeEqual } from 'node:crypto'
import type { Database, Queryable } from '../db/database.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import { dropPendingSignInsOf } from './pending-sign-ins.js'
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.js'
import { claimSecondFactorAttempt, settleSecondFactorSuccess } from './second-factor-limit.js'
import type { Sessions } from './sessions.js'
import {
  decryptTotpSecret,
  encryptTotpSecret,
  generateTotpSecret,
  totpSecretBase32,
  type TotpSecretKey,
} from './totp-secrets.js'
import { otpauthUri, verifyTotp } from './totp.js'
import {
  claimTotpStep,
  disableTwoFactor,
  enableTotpFactor,
  findTotpFactor,
  replaceRecoveryCodes,
  saveTotpPending,
  unusedRecoveryCodeCount,
  useRecoveryCode,
} from './two-factor-store.js'

// The second factor (issue 12): a TOTP app, and recovery codes for the day the phone
// is gone. What the pages do with it (which form, which status) is in src/http; the
// rules are here: a code is accepted once, the count of wrong codes comes first,
// and every change to the factor ends the account's other sessions in the same
// transaction (ASVS 7.4.3: Logon ends them rather than offering to, so a session an
// attacker holds cannot outlive the owner's reaction to it).

/** The issuer an authenticator app shows beside the account name. */
export const TOTP_ISSUER = 'Logon'

export interface SecondFactorServices {
  db: Database
  sessions: Sessions
  key: TotpSecretKey
}

export interface SecondFactorStatus {
  enabled: boolean
  recoveryCodesLeft: number
}

export async function secondFactorStatus(
  db: Queryable,
  userId: number,
): Promise<SecondFactorStatus> {
  const factor = await findTotpFactor(db, userId)
  const enabled = factor?.enabledAt != null
  return { enabled, recoveryCodesLeft: enabled ? await unusedRecoveryCodeCount(db, userId) : 0 }
}

/** Whether the account's second factor is on: one indexed read. */
export async function isSecondFactorOn(db: Queryable, userId: number): Promise<boolean> {
  const factor = await findTotpFactor(db, userId)
  return factor?.enabledAt != null
}

export interface TotpSetup {
  /** What the QR code holds. */
  uri: string
  /** The secret for typing in, in groups of four. */
  secretForTyping: string
  /**
   * Names this setup (a digest of the stored secret, which never leaves the server):
   * the form sends it back, so a setup restarted in another tab cannot turn on a
   * secret this page did not show.
   */
  setupToken: string
}

/**
 * A new secret for the account, kept pending until a code confirms it. Null when a
 * factor is on already: it is turned off first, on purpose, never replaced.
 */
export async function beginTotpSetup(
  { db, key }: SecondFactorServices,
  { userId, username, now }: { userId: number; username: string; now: Date },
): Promise<TotpSetup | null> {
  const secret = generateTotpSecret()
  const stored = encryptTotpSecret(key, { userId, secret })
  if (!(await saveTotpPending(db, { userId, secret: stored, now }))) return null
  return totpSetupOf({ username, secret, stored })
}

/** The setup already pending (to show its secret again after a wrong code), or null. */
export async function pendingTotpSetup(
  { db, key }: SecondFactorServices,
  { userId, username }: { userId: number; username: string },
): Promise<TotpSetup | null> {
  const factor = await findTotpFactor(db, userId)
  if (!factor || factor.enabledAt !== null) return null
  const secret = decryptTotpSecret(key, { userId, stored: factor.secret })
  return secret ? totpSetupOf({ username, secret, stored: factor.secret }) : null
}

function totpSetupOf({
  username,
  secret,
  stored,
}: {
  username: string
  secret: Uint8Array
  stored: string
}): TotpSetup {
  return {
    uri: otpauthUri({ issuer: TOTP_ISSUER, accountName: username, secret }),
    secretForTyping: totpSecretBase32(secret)
      .match(/.{1,4}/g)!
      .join(' '),
    setupToken: setupTokenOf(stored),
  }
}

/** A key shown and never confirmed is not turned on after this long. */
export const TOTP_SETUP_SECONDS = 30 * 60

function setupTokenOf(stored: string): string {
  return createHash('sha256').update(stored).digest('base64url')
}

function isSetupToken(stored: string, token: string): boolean {
  const expected = Buffer.from(setupTokenOf(stored))
  const given = Buffer.from(token)
  return expected.length === given.length && timingSafeEqual(expected, given)
}

export type TotpEnabling =
  | { ok: true; recoveryCodes: string[]; otherSessionsEnded: number }
  | { ok: false; reason: 'malformed' | 'wrong' | 'no_setup' }

/**
 * Turns the pending factor on with a first code, in one transaction: the factor (its
 * code's step spent at once), ten new recovery codes, the account's other sessions
 * ended, the event. The codes are returned to be shown once; only their hashes stay.
 */
export async function enableTotp(
  services: SecondFactorServices,
  input: {
    userId: number
    code: string
    /** The setup the page showed; without it, the account's pending one. */
    setupToken?: string | undefined
    currentSessionId: string
    now: Date
    origin: AuthEventOrigin
  },
): Promise<TotpEnabling> {
  const { db, key, sessions } = services
  const { userId, now } = input
  const factor = await findTotpFactor(db, userId)
  if (!factor || factor.enabledAt !== null) return { ok: false, reason: 'no_setup' }
  if (input.setupToken !== undefined && !isSetupToken(factor.secret, input.setupToken)) {
    return { ok: false, reason: 'no_setup' }
  }
  if (now.getTime() - factor.createdAt.getTime() > TOTP_SETUP_SECONDS * 1000) {
    return { ok: false, reason: 'no_setup' }
  }
  const secret = decryptTotpSecret(key, { userId, stored: factor.secret })
  if (!secret) return { ok: false, reason: 'no_setup' }
  const verdict = verifyTotp({ secret, code: input.code, now, lastUsedStep: null })
  if (!verdict.ok)
    return { ok: false, reason: verdict.reason === 'malformed' ? 'malformed' : 'wrong' }
  const { codes, hashes } = generateRecoveryCodes()
  return db.transaction(async (tx) => {
    // The account's row, as every session insert takes it (sessions.create): a
    // password-only sign-in that read "off" before this commits either made its
    // session before (ended below) or waits and then finds the factor on.
    await tx.query('SELECT 1 FROM users WHERE id = $1 FOR NO KEY UPDATE', [userId])
    const enabled = await enableTotpFactor(tx, {
      userId,
      secret: factor.secret,
      step: verdict.step,
      now,
    })
    if (!enabled) return { ok: false, reason: 'no_setup' } as const
    await replaceRecoveryCodes(tx, { userId, hashes, now })
    const otherSessionsEnded = await sessions.endAll(userId, {
      except: input.currentSessionId,
      tx,
    })
    await recordAuthEvent(tx, { userId, kind: 'two_factor_enabled', at: now, ...input.origin })
    return { ok: true, recoveryCodes: codes, otherSessionsEnded } as const
  })
}

export type SecondFactorCheck =
  | { ok: true; method: 'totp' | 'recovery_code' }
  | { ok: false; reason: 'malformed' | 'wrong' }
  | { ok: false; reason: 'refused'; retryAfterSeconds: number }

/**
 * Checks a code typed for the account's enabled factor: a current TOTP code or an
 * unused recovery code, each accepted once. A six-digit code is counted before it is
 * checked (more than five wrong in 15 minutes and the next waits); a right one gives
 * its count back.
 * Something that cannot be a code at all is refused without counting: it is no guess.
 */
export async function checkSecondFactor(
  { db, key }: Pick<SecondFactorServices, 'db' | 'key'>,
  { userId, code, now }: { userId: number; code: string; now: Date },
): Promise<SecondFactorCheck> {
  const typed = code.replace(/\s+/g, '')
  const recoveryHash = /^\d{6}$/.test(typed) ? null : hashRecoveryCode(code)
  if (!/^\d{6}$/.test(typed) && recoveryHash === null) return { ok: false, reason: 'malformed' }
  // A recovery code has 120 bits: no number of guesses finds one, so it is not
  // counted, and the owner who lost the phone is never kept out by someone holding
  // the password and spending the window with wrong six-digit codes.
  if (recoveryHash !== null) {
    const used = await useRecoveryCode(db, { userId, codeHash: recoveryHash, now })
    return used ? { ok: true, method: 'recovery_code' } : { ok: false, reason: 'wrong' }
  }
  const claim = await claimSecondFactorAttempt(db, userId, now)
  if (!claim.allowed && 'noFactor' in claim) return { ok: false, reason: 'wrong' }
  if (!claim.allowed) {
    return { ok: false, reason: 'refused', retryAfterSeconds: claim.retryAfterSeconds }
  }
  if (!(await checkTotpCode(db, key, { userId, code: typed, now }))) {
    return { ok: false, reason: 'wrong' }
  }
  await settleSecondFactorSuccess(db, claim.attemptId)
  return { ok: true, method: 'totp' }
}

/** A TOTP code against the enabled factor; its step is spent by the one who claims it. */
async function checkTotpCode(
  db: Queryable,
  key: TotpSecretKey,
  { userId, code, now }: { userId: number; code: string; now: Date },
): Promise<boolean> {
  const factor = await findTotpFactor(db, userId)
  if (!factor || factor.enabledAt === null) return false
  const secret = decryptTotpSecret(key, { userId, stored: factor.secret })
  if (!secret) return false
  const verdict = verifyTotp({ secret, code, now, lastUsedStep: factor.lastUsedStep })
  // A replayed code is a wrong one to whoever typed it: the same answer, the same count.
  if (!verdict.ok) return false
  return claimTotpStep(db, { userId, step: verdict.step })
}

/** Turns the factor off (the caller checked the password and a code), ending the others. */
export async function turnOffSecondFactor(
  { db, sessions }: SecondFactorServices,
  input: { userId: number; currentSessionId: string; now: Date; origin: AuthEventOrigin },
): Promise<{ otherSessionsEnded: number } | null> {
  const { userId, now } = input
  return db.transaction(async (tx) => {
    if (!(await disableTwoFactor(tx, userId))) return null
    await dropPendingSignInsOf(tx, userId)
    const otherSessionsEnded = await sessions.endAll(userId, {
      except: input.currentSessionId,
      tx,
    })
    await recordAuthEvent(tx, { userId, kind: 'two_factor_disabled', at: now, ...input.origin })
    return { otherSessionsEnded }
  })
}

/**
 * Ten new recovery codes for an account whose factor is on; the old ones stop
 * working in the same statement. Null when the factor is off.
 */
export async function renewRecoveryCodes(
  { db }: Pick<SecondFactorServices, 'db'>,
  input: { userId: number; now: Date; origin: AuthEventOrigin },
): Promise<string[] | null> {
  const { userId, now } = input
  const { codes, hashes } = generateRecoveryCodes()
  return db.transaction(async (tx) => {
    const [on] = await tx.query(
      'SELECT 1 FROM totp_factors WHERE user_id = $1 AND enabled_at IS NOT NULL FOR UPDATE',
      [userId],
    )
    if (!on) return null
    await replaceRecoveryCodes(tx, { userId, hashes, now })
    await recordAuthEvent(tx, { userId, kind: 'recovery_codes_renewed', at: now, ...input.origin })
    return codes
  })
}
