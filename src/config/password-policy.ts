import { availableParallelism } from 'node:os'
import { z } from 'zod'
import { wholeNumber } from './values.js'

// Passwords: the shortest one accepted, and the cost of hashing one.

export const passwordVariables = z.object({
  PASSWORD_MIN_LENGTH: wholeNumber({
    min: 8,
    max: 1024,
    message: 'must be a whole number from 8 to 1024',
  }).default(8),
  // OWASP Password Storage Cheat Sheet minimum for argon2id: m=19 MiB, t=2, p=1.
  PASSWORD_HASH_MEMORY_KIB: wholeNumber({
    min: 8192,
    max: 1048576,
    message: 'must be a whole number of KiB from 8192 to 1048576',
  }).default(19456),
  PASSWORD_HASH_ITERATIONS: wholeNumber({
    min: 1,
    max: 20,
    message: 'must be a whole number from 1 to 20',
  }).default(2),
  PASSWORD_HASH_PARALLELISM: wholeNumber({
    min: 1,
    max: 16,
    message: 'must be a whole number from 1 to 16',
  }).default(1),
  // Hashes at once (below libuv's pool, 4 threads unless UV_THREADPOOL_SIZE says
  // more); default: one fewer than the cores, so a sign-in storm leaves a core to
  // the event loop and the database (docs/decisions/0003).
  PASSWORD_HASH_THREADS: wholeNumber({
    min: 1,
    max: 64,
    message: 'must be a whole number from 1 to 64',
  }).optional(),
})

export interface PasswordHashParams {
  readonly memoryCost: number
  readonly timeCost: number
  readonly parallelism: number
}

type PasswordVariables = z.output<typeof passwordVariables>

export function passwordHashParams(e: PasswordVariables): PasswordHashParams {
  return Object.freeze({
    memoryCost: e.PASSWORD_HASH_MEMORY_KIB,
    timeCost: e.PASSWORD_HASH_ITERATIONS,
    parallelism: e.PASSWORD_HASH_PARALLELISM,
  })
}

export function passwordHashThreads(e: PasswordVariables): number {
  return e.PASSWORD_HASH_THREADS ?? Math.max(1, availableParallelism() - 1)
}
