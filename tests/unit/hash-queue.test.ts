import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { clientNetworkKey } from '../../src/auth/client-address.js'
import { FairHashQueue, type HashLease } from '../../src/auth/hash-queue.js'

// The fair line of hashes (issue 9, findings 2 and 3, and its review): shares per
// network and per account, a part kept for networks holding none, round-robin.

function admitAll(queue: FairHashQueue, address: string, count: number, account?: string) {
  const leases: HashLease[] = []
  const refusals: string[] = []
  for (let i = 0; i < count; i++) {
    const admission = queue.admit({ address, account })
    if (admission.ok) leases.push(admission.lease)
    else refusals.push(admission.reason)
  }
  return { leases, refusals }
}

describe('clientNetworkKey', () => {
  test('an IPv4 address is its own network', () => {
    assert.equal(clientNetworkKey('192.0.2.7'), '192.0.2.7')
  })
  test('IPv6 /64 keys of one /56 are one network; of another /56, another', () => {
    assert.equal(clientNetworkKey('2001:db8:1:200::/64'), '2001:db8:1:200::/56')
    assert.equal(clientNetworkKey('2001:db8:1:2ff::/64'), '2001:db8:1:200::/56')
    assert.equal(clientNetworkKey('2001:db8:1:300::/64'), '2001:db8:1:300::/56')
    assert.equal(clientNetworkKey('2001:db8:1:5::/64'), '2001:db8:1:0::/56')
  })
  test('the unknown address stays what it is', () => {
    assert.equal(clientNetworkKey('unknown'), 'unknown')
  })
})

describe('FairHashQueue', () => {
  test('one network holds at most its share; past it, over_share', () => {
    const queue = new FairHashQueue(4)
    const { leases, refusals } = admitAll(queue, '198.51.100.1', queue.share + 3)
    assert.equal(leases.length, queue.share)
    assert.deepEqual(refusals, ['over_share', 'over_share', 'over_share'])
    leases[0]!.release()
    leases[0]!.release() // twice: gives back one place, not two
    assert.equal(admitAll(queue, '198.51.100.1', 2).leases.length, 1)
  })

  test('the /64s of one IPv6 /56 share one share', () => {
    const queue = new FairHashQueue(4)
    let admitted = 0
    for (let i = 0; i < 256; i++) {
      const address = `2001:db8:1:${(0x200 + i).toString(16)}::/64`
      if (queue.admit({ address }).ok) admitted += 1
    }
    assert.equal(admitted, queue.share)
  })

  test('one account holds at most its share, from any number of addresses', () => {
    const queue = new FairHashQueue(4)
    let admitted = 0
    for (let i = 0; i < 100; i++) {
      if (queue.admit({ address: `203.0.113.${i}`, account: 'victim' }).ok) admitted += 1
    }
    assert.equal(admitted, queue.share)
  })

  test('networks within their shares cannot fill the reserved part; a newcomer gets in', () => {
    const queue = new FairHashQueue(2)
    const flooders: HashLease[] = []
    for (let n = 0; n < 8; n++) flooders.push(...admitAll(queue, `10.0.0.${n}`, queue.share).leases)
    // Eight networks, each within its share, would fill the line (8 × share >
    // capacity): they get the unreserved part and one first place each at most (a
    // network's first place may come from the reserve, as a newcomer's does).
    assert.ok(8 * queue.share > queue.capacity, 'the flood is big enough to fill the line')
    assert.ok(queue.load().admitted <= queue.capacity - queue.reserved + 8)
    const newcomer = queue.admit({ address: '192.0.2.99' })
    assert.ok(newcomer.ok, 'a network holding no place still gets one')
    // …but it cannot then take a second place from the reserve.
    const second = queue.admit({ address: '192.0.2.99' })
    assert.equal(second.ok, false)
    for (const lease of flooders) lease.release()
  })

  test('a full line is busy for everyone', () => {
    const queue = new FairHashQueue(1)
    const leases: HashLease[] = []
    for (let n = 0; leases.length < queue.capacity && n < 10_000; n++) {
      const admission = queue.admit({ address: `10.1.${n >> 8}.${n & 0xff}` })
      if (admission.ok) leases.push(admission.lease)
    }
    assert.equal(leases.length, queue.capacity)
    assert.deepEqual(queue.admit({ address: '192.0.2.1' }), { ok: false, reason: 'busy' })
    assert.equal(queue.admit().ok, false, 'without a claimant too')
  })

  test('waiting hashes run round-robin by network, at most `threads` at once', async () => {
    const queue = new FairHashQueue(1)
    const order: string[] = []
    let running = 0
    let mostRunning = 0
    const work = (label: string) => async () => {
      running += 1
      mostRunning = Math.max(mostRunning, running)
      await new Promise((resolve) => setImmediate(resolve))
      order.push(label)
      running -= 1
    }
    const flood = admitAll(queue, '10.9.9.9', 3).leases
    const other = queue.admit({ address: '192.0.2.5' })
    assert.ok(other.ok)
    const done = [
      ...flood.map((lease, i) => lease.run(work(`flood${i}`))),
      other.lease.run(work('other')),
    ]
    await Promise.all(done)
    assert.equal(mostRunning, 1)
    // flood0 starts at once; flood1 was already waiting when the other network's
    // hash came; then it is the other network's turn, before the rest of the flood.
    assert.deepEqual(order, ['flood0', 'flood1', 'other', 'flood2'])
  })
})
