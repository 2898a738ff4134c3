import assert from 'node:assert/strict'
import net from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { ChangeFeed } from '../../src/cache/change-feed.js'
import { openPostgresDatabase } from '../../src/db/postgres.js'
import { TEST_DATABASE_URL } from '../helpers/databases.js'

// Found in review: a listener connection that died after connecting but before
// LISTEN answered called onLost for a subscription not yet made, and the feed's
// handler threw a ReferenceError from an event: an uncaught exception that stopped
// the whole instance. Now that is a failed listen(): reported and retried.

let proxy: net.Server
let port = 0

before(async () => {
  if (!TEST_DATABASE_URL) return
  const target = new URL(TEST_DATABASE_URL)
  // Forwards to the server, and cuts a connection as soon as it sends LISTEN.
  proxy = net.createServer((client) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 5432) })
    client.on('data', (chunk) => {
      if (chunk.includes('LISTEN')) {
        client.destroy()
        upstream.destroy()
      } else {
        upstream.write(chunk)
      }
    })
    upstream.on('data', (chunk) => client.write(chunk))
    for (const [socket, other] of [
      [client, upstream],
      [upstream, client],
    ] as const) {
      socket.on('error', () => other.destroy())
      socket.on('close', () => other.destroy())
    }
  })
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve))
  port = (proxy.address() as net.AddressInfo).port
})

after(() => proxy?.close())

test(
  'a listener cut off before LISTEN answers is reported and retried, not a crash',
  { skip: TEST_DATABASE_URL ? false : 'needs TEST_DATABASE_URL' },
  async () => {
    const url = new URL(TEST_DATABASE_URL!)
    url.hostname = '127.0.0.1'
    url.port = String(port)
    const db = openPostgresDatabase(url.toString())
    const errors: string[] = []
    const feed = await ChangeFeed.start(db, {
      onChange: () => {},
      onReset: () => {},
      onError: (_error, message) => errors.push(message),
    })
    try {
      assert.equal(feed.isCurrent(), false)
      await sleep(1_500) // one retry, cut off the same way
      assert.ok(errors.length >= 2, `reported at start and on the retry: ${errors.join('; ')}`)
      assert.ok(errors.every((message) => message.startsWith('cannot listen')))
      assert.equal(feed.isCurrent(), false)
    } finally {
      await feed.close()
      await db.close()
    }
  },
)
