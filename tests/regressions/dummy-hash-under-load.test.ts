import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  dummyPasswordHash,
  hashPassword,
  PasswordHashingBusyError,
  setPasswordHashThreads,
  verifyPasswordHash,
} from '../../src/auth/passwords.js'

// Review of issue 9: the dummy hash of a parameter set was made on first use and
// its promise kept even when it failed. Made while the line of hashes was full, it
// failed for good: every unknown name of that set got 503 while real names got 401.

test('a dummy whose making failed while the line was full is made again once there is room', async () => {
  setPasswordHashThreads(1)
  const slow = { memoryCost: 65536, timeCost: 3, parallelism: 1 }
  const stored = await hashPassword('filler password', slow)
  const fillers = Array.from({ length: 33 }, () => verifyPasswordHash(stored, 'filler password'))
  const params = { memoryCost: 8200, timeCost: 1, parallelism: 1 }
  await assert.rejects(dummyPasswordHash(params), PasswordHashingBusyError)
  await Promise.all(fillers)
  const dummy = await dummyPasswordHash(params)
  assert.match(dummy, /^\$argon2id\$v=19\$m=8200,t=1,p=1\$/)
})
