import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/server'
import type { RelyingParty } from '../config.js'
import type { Database } from '../db/database.js'
import { recordAuthEvent, type AuthEventOrigin } from './events.js'
import { authenticationResponse, challengeOf, registrationResponse } from './passkey-responses.js'
import {
  findPasskey,
  insertPasskey,
  listPasskeys,
  recordPasskeyUse,
  type Passkey,
} from './passkey-store.js'
import type { Sessions } from './sessions.js'
import { findUserById } from './users.js'
import {
  CHALLENGE_LIFETIME_SECONDS,
  insertChallenge,
  newChallengeId,
  takeChallenge,
  type ChallengeOwner,
  type ChallengePurpose,
} from './webauthn-challenges.js'

type WebAuthnServer = typeof import('@simplewebauthn/server')
let webAuthnServerModule: Promise<WebAuthnServer> | undefined

/**
 * @simplewebauthn/server, loaded at the first ceremony rather than at start: its
 * module graph takes about 250 ms to load, a sixth of the embedded cold start
 * (scenario 6), and most processes serve many pages before anyone uses a passkey.
 */
function webAuthnServer(): Promise<WebAuthnServer> {
  return (webAuthnServerModule ??= import('@simplewebauthn/server'))
}

// The WebAuthn ceremonies around @simplewebauthn/server: each begins with options and
// a challenge row, and finishes by taking that row (once) and verifying the
// browser's response against it. Passkeys are discoverable and always verify the user
// (W3C WebAuthn Level 3: residentKey and userVerification "required"), so a passkey
// alone is a full sign-in. No HTTP here: the routes are src/http/routes/passkeys.tsx.

export interface PasskeyServices {
  db: Database
  sessions: Sessions
  relyingParty: RelyingParty
  /** The name authenticators show beside the account's. */
  relyingPartyName: string
  now: () => Date
}

export interface Ceremony<Options> {
  /** The challenge row's handle, for the browser to bring back. */
  challengeId: string
  options: Options
}

export type CeremonyFailure =
  /** Not a WebAuthn response at all (malformed JSON, wrong types, sizes). */
  | 'malformed'
  /** No such challenge for this browser and purpose: wrong, used already, or expired. */
  | 'challenge'
  /** The response does not verify: signature, origin, RP ID, flags. */
  | 'not_verified'
  /** No passkey of that ID (or not this account's). */
  | 'unknown_passkey'
  /** The signature counter did not move forward: a cloned authenticator, or a replay. */
  | 'counter'
  /** The passkey is registered already. */
  | 'duplicate'
  /** The account holds PASSKEYS_PER_ACCOUNT already. */
  | 'too_many'

export type Refused = { ok: false; reason: CeremonyFailure }

/**
 * Passkeys one account may hold: far more than people keep (a phone, a laptop, a
 * key or two), and a bound on what every sign-in's options and /account list.
 */
export const PASSKEYS_PER_ACCOUNT = 20

const TIMEOUT_MS = CHALLENGE_LIFETIME_SECONDS * 1000

/**
 * The user handle authenticators keep with a passkey (WebAuthn §14.6.1: not personal
 * information): the account's number, which names no one outside Logon.
 */
function userHandleOf(userId: number): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(`logon:${userId}`, 'utf8'))
}

async function storeChallenge(
  svc: PasskeyServices,
  challenge: string,
  purpose: ChallengePurpose,
  owner?: ChallengeOwner,
): Promise<string> {
  const id = newChallengeId()
  await insertChallenge(svc.db, { id, challenge, purpose, owner, now: svc.now() })
  return id
}

// --- adding a passkey to a signed-in account --------------------------------------

export async function beginPasskeyRegistration(
  svc: PasskeyServices,
  { owner, username }: { owner: ChallengeOwner; username: string },
): Promise<Ceremony<PublicKeyCredentialCreationOptionsJSON>> {
  const existing = await listPasskeys(svc.db, owner.userId)
  const { generateRegistrationOptions } = await webAuthnServer()
  const options = await generateRegistrationOptions({
    rpName: svc.relyingPartyName,
    rpID: svc.relyingParty.id,
    userName: username,
    userID: userHandleOf(owner.userId),
    timeout: TIMEOUT_MS,
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
  })
  const challengeId = await storeChallenge(svc, options.challenge, 'register', owner)
  return { challengeId, options }
}

/**
 * Verifies a new passkey's attestation against the session's challenge and adds it.
 * Adding a way in ends the account's other sessions (ASVS 7.4.3), in the same
 * transaction; the event goes in the account's log.
 */
export async function finishPasskeyRegistration(
  svc: PasskeyServices,
  input: {
    owner: ChallengeOwner
    challengeId: string
    response: unknown
    name: string
    origin: AuthEventOrigin
  },
): Promise<{ ok: true; passkeyId: string; endedSessions: number } | Refused> {
  const parsed = registrationResponse.safeParse(input.response)
  if (!parsed.success) return { ok: false, reason: 'malformed' }
  const response = parsed.data
  const challenge = challengeOf(response.response.clientDataJSON)
  if (challenge === null) return { ok: false, reason: 'malformed' }
  const at = svc.now()
  const taken = await takeChallenge(svc.db, {
    id: input.challengeId,
    challenge,
    purpose: 'register',
    owner: input.owner,
    now: at,
  })
  if (taken === null) return { ok: false, reason: 'challenge' }
  let info
  try {
    const { verifyRegistrationResponse } = await webAuthnServer()
    const verification = await verifyRegistrationResponse({
      response,
      expectedChallenge: taken,
      expectedOrigin: svc.relyingParty.origin,
      expectedRPID: svc.relyingParty.id,
      requireUserVerification: true,
    })
    if (!verification.verified) return { ok: false, reason: 'not_verified' }
    info = verification.registrationInfo
  } catch {
    // The library throws for every way a response can be wrong.
    return { ok: false, reason: 'not_verified' }
  }
  const { userId, sessionId } = input.owner
  return svc.db.transaction(async (tx) => {
    // The session that began it still stands (a password change elsewhere may have
    // ended it since), and the account has room: both under the account's row lock,
    // which every passkey insert takes, so two adds cannot both pass the count.
    const [room] = await tx.query<{ live: boolean; count: number }>(
      `SELECT EXISTS (SELECT 1 FROM sessions WHERE id = $2 AND user_id = $1) AS live,
              (SELECT count(*)::int FROM passkeys WHERE user_id = $1) AS count
         FROM users WHERE id = $1 FOR NO KEY UPDATE`,
      [userId, sessionId],
    )
    if (!room?.live) return { ok: false, reason: 'challenge' } as const
    if (room.count >= PASSKEYS_PER_ACCOUNT) return { ok: false, reason: 'too_many' } as const
    const added = await insertPasskey(tx, {
      id: info.credential.id,
      userId,
      publicKey: info.credential.publicKey,
      counter: info.credential.counter,
      transports: response.response.transports ?? [],
      deviceType: info.credentialDeviceType,
      backedUp: info.credentialBackedUp,
      name: input.name,
      createdAt: at,
    })
    if (!added) return { ok: false, reason: 'duplicate' } as const
    const endedSessions = await svc.sessions.endAll(userId, { except: sessionId, tx })
    await recordAuthEvent(tx, { userId, kind: 'passkey_added', at, ...input.origin })
    return { ok: true, passkeyId: info.credential.id, endedSessions } as const
  })
}

// --- using a passkey: signing in, or confirming who a signed-in user is ------------

async function beginAssertion(
  svc: PasskeyServices,
  purpose: ChallengePurpose,
  owner?: ChallengeOwner,
): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
  // For a signed-in user, their passkeys; for a sign-in, none: the authenticator
  // offers the passkeys it holds for this site (discoverable credentials).
  const allowed = owner ? await listPasskeys(svc.db, owner.userId) : []
  const { generateAuthenticationOptions } = await webAuthnServer()
  const options = await generateAuthenticationOptions({
    rpID: svc.relyingParty.id,
    timeout: TIMEOUT_MS,
    userVerification: 'required',
    allowCredentials: allowed.map((p) => ({ id: p.id, transports: p.transports })),
  })
  const challengeId = await storeChallenge(svc, options.challenge, purpose, owner)
  return { challengeId, options }
}

/**
 * Takes the challenge and verifies an assertion, then moves the passkey's counter
 * (compare and set). `userId` limits it to one account's passkeys.
 */
async function finishAssertion(
  svc: PasskeyServices,
  input: {
    purpose: ChallengePurpose
    owner?: ChallengeOwner | undefined
    challengeId: string
    response: unknown
    origin: AuthEventOrigin
  },
): Promise<{ ok: true; passkey: Passkey } | Refused> {
  const parsed = authenticationResponse.safeParse(input.response)
  if (!parsed.success) return { ok: false, reason: 'malformed' }
  const response = parsed.data
  const challenge = challengeOf(response.response.clientDataJSON)
  if (challenge === null) return { ok: false, reason: 'malformed' }
  const at = svc.now()
  const taken = await takeChallenge(svc.db, {
    id: input.challengeId,
    challenge,
    purpose: input.purpose,
    owner: input.owner,
    now: at,
  })
  if (taken === null) return { ok: false, reason: 'challenge' }
  const passkey = await findPasskey(svc.db, response.id)
  if (!passkey || (input.owner && passkey.userId !== input.owner.userId)) {
    return { ok: false, reason: 'unknown_passkey' }
  }
  const { userHandle } = response.response
  // WebAuthn §7.2 step 6: a sign-in names no account beforehand, so the passkey must
  // say whose it is (a discoverable credential always does), and be that account's.
  const handleNeeded = input.owner === undefined
  if (handleNeeded && userHandle === undefined) return { ok: false, reason: 'not_verified' }
  if (userHandle !== undefined && userHandle !== encodeHandle(passkey.userId)) {
    return { ok: false, reason: 'not_verified' }
  }
  let newCounter: number
  let backedUp: boolean
  try {
    const { verifyAuthenticationResponse } = await webAuthnServer()
    const verification = await verifyAuthenticationResponse({
      response,
      expectedChallenge: taken,
      expectedOrigin: svc.relyingParty.origin,
      expectedRPID: svc.relyingParty.id,
      // The counter is checked below, once the signature has verified: the library's
      // own check would throw like any other failure, and a counter that went back is
      // worth telling the account's owner about.
      credential: { id: passkey.id, publicKey: passkey.publicKey, counter: 0 },
      requireUserVerification: true,
    })
    if (!verification.verified) return { ok: false, reason: 'not_verified' }
    newCounter = verification.authenticationInfo.newCounter
    backedUp = verification.authenticationInfo.credentialBackedUp
  } catch {
    return { ok: false, reason: 'not_verified' }
  }
  // WebAuthn §6.1.1: a counter that does not grow, when either value is non-zero, is
  // a sign the authenticator was cloned. Authenticators that keep no counter send 0.
  if ((newCounter > 0 || passkey.counter > 0) && newCounter <= passkey.counter) {
    await recordAuthEvent(svc.db, {
      userId: passkey.userId,
      kind: 'passkey_counter_regressed',
      at,
      ...input.origin,
    })
    return { ok: false, reason: 'counter' }
  }
  const moved = await recordPasskeyUse(svc.db, {
    id: passkey.id,
    from: passkey.counter,
    to: newCounter,
    at,
    backedUp,
  })
  if (!moved) return { ok: false, reason: 'counter' }
  return { ok: true, passkey: { ...passkey, counter: newCounter, backedUp, lastUsedAt: at } }
}

function encodeHandle(userId: number): string {
  return Buffer.from(userHandleOf(userId)).toString('base64url')
}

export function beginPasskeySignIn(
  svc: PasskeyServices,
): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
  return beginAssertion(svc, 'sign_in')
}

/**
 * Verifies a passkey sign-in. On success, the account to start a session for (the
 * caller does, as for a password) and the passkey used.
 */
export async function finishPasskeySignIn(
  svc: PasskeyServices,
  input: { challengeId: string; response: unknown; origin: AuthEventOrigin },
): Promise<
  { ok: true; user: { id: number; passwordVersion: number }; passkey: Passkey } | Refused
> {
  const result = await finishAssertion(svc, { ...input, purpose: 'sign_in' })
  if (!result.ok) return result
  const user = await findUserById(svc.db, result.passkey.userId)
  if (!user) return { ok: false, reason: 'unknown_passkey' }
  return {
    ok: true,
    user: { id: user.id, passwordVersion: user.passwordVersion },
    passkey: result.passkey,
  }
}

/**
 * For re-authentication (issue 12, "sudo mode"): options to confirm, with one of
 * their own passkeys, that the user of this signed-in session is at the keyboard.
 */
export function beginPasskeyReauthentication(
  svc: PasskeyServices,
  owner: ChallengeOwner,
): Promise<Ceremony<PublicKeyCredentialRequestOptionsJSON>> {
  return beginAssertion(svc, 'reauthenticate', owner)
}

/**
 * Verifies a passkey assertion for a given signed-in user (the challenge must be one
 * beginPasskeyReauthentication made for this session): ok, or why not. Starts no
 * session and changes nothing but the passkey's counter and last use.
 */
export async function verifyPasskeyForUser(
  svc: PasskeyServices,
  input: { owner: ChallengeOwner; challengeId: string; response: unknown; origin: AuthEventOrigin },
): Promise<{ ok: true } | Refused> {
  const result = await finishAssertion(svc, { ...input, purpose: 'reauthenticate' })
  return result.ok ? { ok: true } : result
}
