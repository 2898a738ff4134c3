import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { clientAddressKey, clientNetworkKey } from '../../src/auth/client-address.js'
import { FairHashQueue, type HashLease } from '../../src/auth/hash-queue.js'

// The fair line of hashes (issue 9, findings 2 and 3, and its review). A flood of
// password checks from a few clients once filled the line, and everyone else's
// sign-ins got 503. Now: shares per network and per account, a part kept for networks
// holding none, round-robin.

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
  test('an IPv4 address is in its /24', () => {
    assert.equal(clientNetworkKey('192.0.2.7'), '192.0.2.0/24')
  })
  test('an IPv6 /56 is in its /48', () => {
    assert.equal(clientNetworkKey('2001:db8:1:200::/56'), '2001:db8:1::/48')
    assert.equal(clientNetworkKey('2001:db8:1:ff00::/56'), '2001:db8:1::/48')
    assert.equal(clientNetworkKey('2001:db8:2:0::/56'), '2001:db8:2::/48')
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

  test('the addresses of one wider network (an IPv6 /48, an IPv4 /24) share a network share', () => {
    const queue = new FairHashQueue(4)
    let ipv6 = 0
    for (let i = 0; i < 256; i++) {
      const address = clientAddressKey(`2001:db8:1:${(i << 8).toString(16)}::1`)
      for (let j = 0; j < 2; j++) if (queue.admit({ address }).ok) ipv6 += 1
    }
    assert.equal(ipv6, queue.networkShare)
    let ipv4 = 0
    for (let i = 0; i < 256; i++) if (queue.admit({ address: `198.51.100.${i}` }).ok) ipv4 += 1
    assert.equal(ipv4, queue.networkShare)
    assert.ok(queue.networkShare < queue.capacity / 2)
  })

  test('one account holds at most its share, from any number of addresses', () => {
    const queue = new FairHashQueue(4)
    let admitted = 0
    for (let i = 0; i < 100; i++) {
      if (queue.admit({ address: `203.0.${i}.1`, account: 'victim' }).ok) admitted += 1
    }
    assert.equal(admitted, queue.share)
  })

  /** Fills the line from `count` addresses of different networks, each as far as it gets. */
  function flood(queue: FairHashQueue, count: number): HashLease[] {
    const leases: HashLease[] = []
    for (let n = 0; n < count; n++)
      leases.push(...admitAll(queue, `10.${n}.0.1`, queue.share).leases)
    return leases
  }

  test("addresses within their shares cannot take the newcomers' part; a newcomer gets in", () => {
    const queue = new FairHashQueue(2)
    // Eight addresses, each within its share, would fill the line (8 × share >
    // capacity): they get the open part and a first place each at most.
    assert.ok(8 * queue.share > queue.capacity, 'the flood is big enough to fill the line')
    const flooders = flood(queue, 8)
    const open = queue.capacity - queue.reservedForDevices - queue.reservedForNewcomers
    assert.ok(queue.load().admitted <= open + 8)
    const newcomer = queue.admit({ address: '192.0.2.99' })
    assert.ok(newcomer.ok, 'an address holding no place still gets one')
    // …but it cannot then take a second place from the newcomers' part.
    assert.deepEqual(queue.admit({ address: '192.0.2.99' }), { ok: false, reason: 'over_share' })
    for (const lease of flooders) lease.release()
  })

  test('a line full of strangers still lets in a browser with a live device token', () => {
    const queue = new FairHashQueue(1)
    // Many addresses, one place each: more than the line holds for strangers.
    const strangers = flood(queue, queue.capacity)
    assert.equal(queue.load().admitted, queue.capacity - queue.reservedForDevices)
    assert.deepEqual(queue.admit({ address: '192.0.2.1' }), { ok: false, reason: 'busy' })
    const owner = queue.admit({ address: '192.0.2.2', knownDevice: true, deviceAccount: 'owner' })
    assert.ok(owner.ok, 'the owner gets a place kept for known devices')
    // One place per account at a time: an attacker's own account cannot fill the part.
    assert.equal(
      queue.admit({ address: '192.0.2.3', knownDevice: true, deviceAccount: 'owner' }).ok,
      false,
    )
    assert.ok(queue.admit({ address: '192.0.2.4', knownDevice: true, deviceAccount: 'other' }).ok)
    for (const lease of strangers) lease.release()
  })

  test('a full line is busy for everyone', () => {
    const queue = new FairHashQueue(1)
    const leases: HashLease[] = []
    for (let n = 0; leases.length < queue.capacity && n < 10_000; n++) {
      const admission = queue.admit({
        address: `10.${n}.0.1`,
        knownDevice: true,
        deviceAccount: `account ${n}`,
      })
      if (admission.ok) leases.push(admission.lease)
    }
    assert.equal(leases.length, queue.capacity)
    assert.deepEqual(queue.admit({ address: '192.0.2.1', knownDevice: true, deviceAccount: 'x' }), {
      ok: false,
      reason: 'busy',
    })
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
    const flooding = admitAll(queue, '10.9.9.9', 3).leases
    const other = queue.admit({ address: '192.0.2.5' })
    assert.ok(other.ok)
    const done = [
      ...flooding.map((lease, i) => lease.run(work(`flood${i}`))),
      other.lease.run(work('other')),
    ]
    await Promise.all(done)
    assert.equal(mostRunning, 1)
    // flood0 starts at once; flood1 was already waiting when the other network's
    // hash came; then it is the other network's turn, before the rest of the flood.
    assert.deepEqual(order, ['flood0', 'flood1', 'other', 'flood2'])
  })
})
