import { Algorithm, hash, verify } from '@node-rs/argon2'
import { randomBytes } from 'node:crypto'
import { availableParallelism } from 'node:os'
import type { PasswordHashParams } from '../config.js'
import { isCommonPassword } from './common-passwords.js'
import {
  FairHashQueue,
  type HashAdmission,
  type HashClaimant,
  type HashLease,
} from './hash-queue.js'

// Passwords behind two functions, parameters in one place.
// @node-rs/argon2 hashes on libuv's thread pool, so the event loop keeps serving;
// every hash goes through one fair, bounded line (hash-queue.ts): at most
// PASSWORD_HASH_THREADS at once, one fewer than the cores by default, so a storm of
// sign-ins leaves the event loop and the database a core, and file reads and DNS
// lookups, which share the pool, do not queue behind hashes.
let hashLine = new FairHashQueue(Math.max(1, availableParallelism() - 1))

/** The line of hashes is full: the answer is a 503 with Retry-After. */
export class PasswordHashingBusyError extends Error {
  readonly code = 'HASHING_BUSY'
  constructor() {
    super('Too many password hashes are waiting')
  }
}

/** Sets how many hashes may run at once (buildApp, from the configuration). */
export function setPasswordHashThreads(threads: number): void {
  if (hashLine.threads !== threads) hashLine = new FairHashQueue(threads)
}

/** Hashes running and waiting now. */
export function passwordHashingLoad(): { running: number; waiting: number } {
  const { running, waiting } = hashLine.load()
  return { running, waiting }
}

/**
 * A place in the line of hashes for one attempt of one client: taken before the
 * attempt is counted, released when it is done (see hash-queue.ts).
 */
export function admitPasswordHashing(claimant: HashClaimant | undefined): HashAdmission {
  return hashLine.admit(claimant)
}

/** Runs work under `lease`, or, without one, under a lease of its own (operator commands). */
async function inLine<T>(lease: HashLease | undefined, work: () => Promise<T>): Promise<T> {
  if (lease) return lease.run(work)
  const admission = hashLine.admit()
  if (!admission.ok) throw new PasswordHashingBusyError()
  try {
    return await admission.lease.run(work)
  } finally {
    admission.lease.release()
  }
}

export const PASSWORD_MAX_LENGTH = 1024

export type PasswordPolicyCode = 'password_too_short' | 'password_too_long' | 'password_too_common'

export type PasswordCheck = { ok: true } | { ok: false; code: PasswordPolicyCode }

/** NIST 800-63B §5.1.1.2: normalise with NFKC so the same password typed on any keyboard matches. */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC')
}

/** Length in code points after NFKC: what the policy limits and what is hashed. */
export function passwordLength(password: string): number {
  return [...normalizePassword(password)].length
}

export function checkPasswordPolicy(password: string, minLength: number): PasswordCheck {
  const normalized = normalizePassword(password)
  const length = [...normalized].length
  if (length < minLength) return { ok: false, code: 'password_too_short' }
  if (length > PASSWORD_MAX_LENGTH) return { ok: false, code: 'password_too_long' }
  if (isCommonPassword(normalized)) return { ok: false, code: 'password_too_common' }
  return { ok: true }
}

export function hashPassword(
  password: string,
  params: PasswordHashParams,
  lease?: HashLease,
): Promise<string> {
  const normalized = normalizePassword(password)
  return inLine(lease, () => hash(normalized, { algorithm: Algorithm.Argon2id, ...params }))
}

/**
 * False for a wrong password and for a hash that cannot be read; throws only
 * PasswordHashingBusyError.
 */
export async function verifyPasswordHash(
  passwordHash: string,
  password: string,
  lease?: HashLease,
): Promise<boolean> {
  try {
    const normalized = normalizePassword(password)
    return await inLine(lease, () => verify(passwordHash, normalized))
  } catch (error) {
    if (error instanceof PasswordHashingBusyError) throw error
    return false
  }
}

/** True when the hash was made with other parameters than the configured ones. */
export function passwordHashNeedsUpgrade(
  passwordHash: string,
  params: PasswordHashParams,
): boolean {
  const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(passwordHash)
  if (!match) return true
  const [, m, t, p] = match.map(Number)
  return m !== params.memoryCost || t !== params.timeCost || p !== params.parallelism
}

/**
 * A hash of a random password, for the verification that an unknown username
 * still costs: time does not tell which names exist. Made once per
 * parameter set, on first use, as one of the app's own hashes: it waits its turn in
 * the line of hashes and is never refused for a full line (FairHashQueue.runOwnHash).
 */
const dummyHashes = new Map<string, Promise<string>>()
export function dummyPasswordHash(params: PasswordHashParams): Promise<string> {
  const key = `${params.memoryCost},${params.timeCost},${params.parallelism}`
  let dummy = dummyHashes.get(key)
  if (!dummy) {
    const password = randomBytes(16).toString('hex')
    dummy = hashLine.runOwnHash(() => hash(password, { algorithm: Algorithm.Argon2id, ...params }))
    dummyHashes.set(key, dummy)
    // A failed making must not stay: every unknown name of that parameter set would
    // fail with it, and real names would not. The next census makes it again.
    dummy.catch(() => {
      if (dummyHashes.get(key) === dummy) dummyHashes.delete(key)
    })
  }
  return dummy
}
