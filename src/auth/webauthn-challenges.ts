import { randomBytes } from 'node:crypto'
import type { Queryable } from '../db/database.js'

// WebAuthn challenges, kept in the database so that any instance can finish a
// ceremony another began (docs/decisions: two instances behave as one). A challenge
// is used at most once: taking it is one DELETE … RETURNING, which two instances
// cannot both win, and which only an unexpired row of the right purpose, user,
// session and value matches.

export const CHALLENGE_LIFETIME_SECONDS = 5 * 60

export type ChallengePurpose = 'register' | 'sign_in' | 'reauthenticate'

/** Whom a challenge is for: nobody yet (a sign-in), or one signed-in session. */
export interface ChallengeOwner {
  userId: number
  sessionId: string
}

export interface StoredChallenge {
  /** The random handle the browser keeps (a cookie) and brings back. */
  id: string
  /** base64url, as the authenticator signs it in clientDataJSON. */
  challenge: string
  expiresAt: Date
}

/** A random handle for a new challenge row: 128 bits, base64url. */
export function newChallengeId(): string {
  return randomBytes(16).toString('base64url')
}

export async function insertChallenge(
  db: Queryable,
  input: {
    id: string
    challenge: string
    purpose: ChallengePurpose
    owner?: ChallengeOwner | undefined
    now: Date
  },
): Promise<StoredChallenge> {
  const expiresAt = new Date(input.now.getTime() + CHALLENGE_LIFETIME_SECONDS * 1000)
  await db.query(
    `INSERT INTO webauthn_challenges (id, challenge, purpose, user_id, session_id, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [
      input.id,
      input.challenge,
      input.purpose,
      input.owner?.userId ?? null,
      input.owner?.sessionId ?? null,
      input.now,
      expiresAt,
    ],
  )
  return { id: input.id, challenge: input.challenge, expiresAt }
}

/**
 * Takes the challenge `id` when it is unexpired, of `purpose`, of exactly `owner`
 * (none for a sign-in) and its value is `challenge` (read from clientDataJSON):
 * deleted and returned in one statement, so it is taken once at most. Null when no
 * such row is left; a row whose value does not match stays for its rightful use.
 */
export async function takeChallenge(
  db: Queryable,
  input: {
    id: string
    challenge: string
    purpose: ChallengePurpose
    owner?: ChallengeOwner | undefined
    now: Date
  },
): Promise<string | null> {
  const [row] = await db.query<{ challenge: string }>(
    `DELETE FROM webauthn_challenges
      WHERE id = $1 AND challenge = $2 AND purpose = $3
        AND user_id IS NOT DISTINCT FROM $4::bigint
        AND session_id IS NOT DISTINCT FROM $5::text
        AND expires_at > $6
     RETURNING challenge`,
    [
      input.id,
      input.challenge,
      input.purpose,
      input.owner?.userId ?? null,
      input.owner?.sessionId ?? null,
      input.now,
    ],
  )
  return row?.challenge ?? null
}

/** Deletes at most `limit` expired challenges, for the periodic purge. */
export async function deleteExpiredChallenges(
  db: Queryable,
  { now, limit }: { now: Date; limit: number },
): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `DELETE FROM webauthn_challenges WHERE id IN (
       SELECT id FROM webauthn_challenges WHERE expires_at <= $1 LIMIT $2)
     RETURNING id`,
    [now, limit],
  )
  return rows.length
}
