import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { parseChange } from '../../src/cache/change-feed.js'
import { FreshCache } from '../../src/cache/fresh-cache.js'

// The in-memory caches of src/cache/ without a database: what a FreshCache gives
// back depending on whether the change feed is current, why a read that raced a
// removal is not kept, and how the feed's payloads are understood.

interface Value {
  userId: number
  label: string
}

/** A cache whose freshness the test switches by hand. */
function cacheWith({ max = 10, current = true } = {}) {
  const freshness = { current }
  const cache = new FreshCache<string, Value>({ max, isCurrent: () => freshness.current })
  return { cache, freshness }
}

const alice: Value = { userId: 1, label: 'alice' }
const bob: Value = { userId: 2, label: 'bob' }
const carol: Value = { userId: 3, label: 'carol' }

describe('a fresh cache', () => {
  test('gives back what was set while the feed is current', () => {
    const { cache } = cacheWith()
    cache.set('a', alice, cache.generation())
    assert.equal(cache.get('a'), alice)
    assert.equal(cache.get('b'), undefined)
  })

  test('gives back nothing while the feed is not current, and the value again once it is', () => {
    const { cache, freshness } = cacheWith()
    cache.set('a', alice, cache.generation())
    freshness.current = false
    assert.equal(cache.get('a'), undefined)
    freshness.current = true
    assert.equal(cache.get('a'), alice)
  })

  test('keeps a value read at an unchanged generation, even with other values set meanwhile', () => {
    const { cache } = cacheWith()
    const generation = cache.generation()
    cache.set('b', bob, cache.generation())
    cache.set('a', alice, generation)
    assert.equal(cache.get('a'), alice)
    assert.equal(cache.size, 2)
  })

  test('does not keep a value whose read began before a delete of that key', () => {
    const { cache } = cacheWith()
    const generation = cache.generation()
    cache.delete('a')
    cache.set('a', alice, generation)
    assert.equal(cache.get('a'), undefined)
    assert.equal(cache.size, 0)
  })

  test('does not keep a value whose read began before a deleteWhere', () => {
    const { cache } = cacheWith()
    const generation = cache.generation()
    cache.deleteWhere((value) => value.userId === alice.userId)
    cache.set('a', alice, generation)
    assert.equal(cache.get('a'), undefined)
  })

  test('does not keep a value whose read began before a clear', () => {
    const { cache } = cacheWith()
    const generation = cache.generation()
    cache.clear()
    cache.set('a', alice, generation)
    assert.equal(cache.get('a'), undefined)
  })

  test('keeps a value whose read began after the removal', () => {
    const { cache } = cacheWith()
    cache.delete('a')
    cache.set('a', alice, cache.generation())
    assert.equal(cache.get('a'), alice)
  })

  test('removes with deleteWhere only the values that match', () => {
    const { cache } = cacheWith()
    cache.set('a1', alice, cache.generation())
    cache.set('a2', { ...alice, label: 'alice on a phone' }, cache.generation())
    cache.set('b', bob, cache.generation())
    cache.set('c', carol, cache.generation())
    cache.deleteWhere((value) => value.userId === alice.userId)
    assert.equal(cache.size, 2)
    assert.equal(cache.get('a1'), undefined)
    assert.equal(cache.get('a2'), undefined)
    assert.equal(cache.get('b'), bob)
    assert.equal(cache.get('c'), carol)
  })

  test('empties with clear', () => {
    const { cache } = cacheWith()
    cache.set('a', alice, cache.generation())
    cache.set('b', bob, cache.generation())
    cache.clear()
    assert.equal(cache.size, 0)
    assert.equal(cache.get('a'), undefined)
  })

  test('holds at most max values, dropping the least recently used', () => {
    const { cache } = cacheWith({ max: 2 })
    cache.set('a', alice, cache.generation())
    cache.set('b', bob, cache.generation())
    assert.equal(cache.get('a'), alice)
    cache.set('c', carol, cache.generation())
    assert.equal(cache.size, 2)
    assert.equal(cache.get('b'), undefined)
    assert.equal(cache.get('a'), alice)
    assert.equal(cache.get('c'), carol)
    for (let i = 0; i < 50; i++) cache.set(`k${i}`, alice, cache.generation())
    assert.equal(cache.size, 2)
  })
})

describe('parsing a change notification', () => {
  test('reads members as a change to who the members are', () => {
    assert.deepEqual(parseChange('members'), { kind: 'members' })
  })

  test('reads sessions as a change to every session', () => {
    assert.deepEqual(parseChange('sessions'), { kind: 'sessions' })
  })

  test('reads session:<id> as a change to that session, whatever its id holds', () => {
    assert.deepEqual(parseChange('session:abc123'), { kind: 'session', id: 'abc123' })
    assert.deepEqual(parseChange('session:a:b'), { kind: 'session', id: 'a:b' })
  })

  test('reads anything else as no change', () => {
    for (const payload of ['', 'member', 'Members', 'sessions:', 'beat:0a1b2c:7', 'session']) {
      assert.equal(parseChange(payload), null, JSON.stringify(payload))
    }
  })
})
