import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Review of issue 9's fix: a share per address did not stop forty addresses (or
// forty IPv6 /56s of one /48) holding a place or two each from filling the line of
// hashes: the bystander's sign-ins got 20 of 20 × 503. Now an address that the
// limits refuse holds no place (they are read before a place is taken), a /48 or /24
// shares one network share, and part of the line is kept for browsers with a live
// device token. PGlite only: this is about the line in the process, not the engine.

const PASSWORD = 'a long and uncommon passphrase'
const from = (t: TestApp, address: string) => new TestClient(t.app, {}, { remoteAddress: address })
const count = (statuses: number[]) =>
  statuses.reduce<Record<number, number>>((m, s) => ({ ...m, [s]: (m[s] ?? 0) + 1 }), {})

describe('a flood from many networks (pglite)', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp('pglite', {
      env: {
        PASSWORD_HASH_THREADS: '1',
        PASSWORD_HASH_MEMORY_KIB: '8192',
        PASSWORD_HASH_ITERATIONS: '1',
        SIGN_IN_FAILURES_PER_ADDRESS: '5',
      },
    })
  })
  after(() => t.close())

  async function underFlood(
    attackers: string[],
    loopsEach: number,
    during: () => Promise<number[]>,
  ): Promise<{ flood: Record<number, number>; bystander: number[] }> {
    let flooding = true
    let n = 0
    const statuses: number[] = []
    const clients = attackers.flatMap((address) =>
      Array.from({ length: loopsEach }, () => from(t, address)),
    )
    const loops = clients.map(async (client) => {
      // Bounded: each loop stops after 2000 requests even if `during` hangs.
      for (let i = 0; flooding && i < 2000; i++) {
        statuses.push((await client.login(`nobody${n++}`, 'a wrong password here')).statusCode)
      }
    })
    await new Promise((resolve) => setTimeout(resolve, 300))
    const bystander = await during()
    flooding = false
    await Promise.all(loops)
    return { flood: count(statuses), bystander }
  }

  test("forty /56s of one /48: the owner's browser (device token) signs in every time", async () => {
    const owner = from(t, '192.0.2.1')
    assert.equal((await owner.register('owner', PASSWORD)).statusCode, 303)
    await owner.logout()
    const attackers = Array.from({ length: 40 }, (_, i) => `2001:db8:1:${(i << 8).toString(16)}::1`)
    const { flood, bystander } = await underFlood(attackers, 2, async () => {
      const answers: number[] = []
      for (let i = 0; i < 10; i++) {
        answers.push((await owner.login('owner', PASSWORD)).statusCode)
        await owner.logout()
      }
      return answers
    })
    assert.deepEqual(bystander, Array<number>(10).fill(303), JSON.stringify(flood))
  })

  test('forty IPv4 addresses of different networks: a new browser gets in once their failures are spent', async () => {
    assert.equal((await from(t, '192.0.2.2').register('bystander', PASSWORD)).statusCode, 303)
    const attackers = Array.from({ length: 40 }, (_, i) => `198.${18 + (i >> 4)}.${i}.1`)
    const { flood, bystander } = await underFlood(attackers, 2, async () => {
      const answers: number[] = []
      // The flood has 40 × 5 failures to spend, then its addresses wait and hold no
      // place; a new browser retries until it is in, within the bound.
      for (let i = 0; i < 200 && answers.at(-1) !== 303; i++) {
        const address = `192.0.${2 + (i >> 8)}.${i & 0xff}`
        answers.push((await from(t, address).login('bystander', PASSWORD)).statusCode)
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      return answers
    })
    assert.equal(bystander.at(-1), 303, `${bystander.join(',')} ${JSON.stringify(flood)}`)
    // No address got more guesses than its limit.
    assert.ok((flood[401] ?? 0) <= 40 * 5, JSON.stringify(flood))
  })
})
