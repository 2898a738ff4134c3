import assert from 'node:assert/strict'
import { afterEach, test } from 'node:test'
import { availableParallelism } from 'node:os'
import { setImmediate as tick } from 'node:timers/promises'
import {
  hashPassword,
  PasswordHashingBusyError,
  passwordHashingLoad,
  setPasswordHashThreads,
  verifyPasswordHash,
} from '../../src/auth/passwords.js'
import { loadConfig } from '../../src/config.js'

// PASSWORD_HASH_THREADS bounds how many argon2 hashes run at once (the rest wait),
// so a sign-in storm leaves cores to the event loop and the database.

const PARAMS = loadConfig({
  PASSWORD_HASH_MEMORY_KIB: '8192',
  PASSWORD_HASH_ITERATIONS: '1',
}).passwordHash

afterEach(() => setPasswordHashThreads(loadConfig({}).passwordHashThreads))

test('with 1 thread, hashes and verifications beyond the first wait their turn', async () => {
  setPasswordHashThreads(1)
  const stored = await hashPassword('first password', PARAMS)
  const work = [
    hashPassword('second password', PARAMS),
    verifyPasswordHash(stored, 'first password'),
    verifyPasswordHash(stored, 'wrong password'),
  ]
  await tick()
  assert.deepEqual(passwordHashingLoad(), { running: 1, waiting: 2 })
  const [, right, wrong] = await Promise.all(work)
  assert.equal(right, true)
  assert.equal(wrong, false)
  assert.deepEqual(passwordHashingLoad(), { running: 0, waiting: 0 })
})

test('with 2 threads, two run at once', async () => {
  setPasswordHashThreads(2)
  const work = [1, 2, 3].map((n) => hashPassword(`password number ${n}`, PARAMS))
  await tick()
  assert.deepEqual(passwordHashingLoad(), { running: 2, waiting: 1 })
  await Promise.all(work)
})

test('past 32 waiting per thread, a hash is refused at once with PasswordHashingBusyError', async () => {
  setPasswordHashThreads(1)
  const stored = await hashPassword('first password', PARAMS)
  const accepted = Array.from({ length: 33 }, () => verifyPasswordHash(stored, 'first password'))
  await tick()
  assert.deepEqual(passwordHashingLoad(), { running: 1, waiting: 32 })
  await assert.rejects(verifyPasswordHash(stored, 'first password'), PasswordHashingBusyError)
  await assert.rejects(hashPassword('another password', PARAMS), PasswordHashingBusyError)
  assert.deepEqual(await Promise.all(accepted), Array(33).fill(true), 'the line is served')
  assert.equal(await verifyPasswordHash(stored, 'first password'), true, 'and then takes more')
})

test('the default leaves one core free, and never goes below one thread', () => {
  assert.equal(loadConfig({}).passwordHashThreads, Math.max(1, availableParallelism() - 1))
  assert.equal(loadConfig({ PASSWORD_HASH_THREADS: '3' }).passwordHashThreads, 3)
  assert.throws(() => loadConfig({ PASSWORD_HASH_THREADS: '0' }), /PASSWORD_HASH_THREADS/)
})
