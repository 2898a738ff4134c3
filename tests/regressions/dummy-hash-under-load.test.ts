import assert from 'node:assert/strict'
import { test } from 'node:test'
import {
  dummyPasswordHash,
  hashPassword,
  setPasswordHashThreads,
  verifyPasswordHash,
} from '../../src/auth/passwords.js'

// Review of issue 9: the dummy hash of a parameter set was made on first use and
// its promise kept even when it failed. Made while the line of hashes was full, it
// failed for good: every unknown name of that set got 503 while real names got 401.
// Since the census review a dummy is one of the app's own hashes: it is no longer
// refused for a full line, it waits its turn (FairHashQueue.runOwnHash), so there is
// no failed making to keep. The test now holds it to that.

test('a dummy asked for while the line is full waits its turn instead of failing', async () => {
  setPasswordHashThreads(1)
  const slow = { memoryCost: 65536, timeCost: 3, parallelism: 1 }
  const stored = await hashPassword('filler password', slow)
  let fillersDone = 0
  // 1 running and 32 waiting: the line of one thread is full.
  const fillers = Array.from({ length: 33 }, () =>
    verifyPasswordHash(stored, 'filler password').finally(() => (fillersDone += 1)),
  )
  const params = { memoryCost: 8200, timeCost: 1, parallelism: 1 }
  const dummy = await dummyPasswordHash(params)
  // Its turn came after the hash running, not after the whole line of one client.
  assert.ok(fillersDone < fillers.length, `made after ${fillersDone} of ${fillers.length}`)
  await Promise.all(fillers)
  assert.match(dummy, /^\$argon2id\$v=19\$m=8200,t=1,p=1\$/)
  assert.equal(await dummyPasswordHash(params), dummy, 'made once, then kept')
})
