import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { recordAuthEvent } from '../../src/auth/events.js'
import { TestClient, decodeEntities } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { message, signedInAs } from '../helpers/pages.js'
import { recordingDatabase } from '../helpers/recording-queryable.js'
import { userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// When a new session signs in to an account, or a wrong second-factor code is typed
// for it, every other session of the account is told once, on its home or account
// page, with the device, address and time (migration 0014). A page view with nothing
// to tell costs no query. This instance, like every other, drops its kept copies of
// the marked sessions when the change feed brings the change back (within
// FRESHNESS_MS; a notice is no gate): the tests wait for that with caughtUp().

const PASSWORD = 'a long and uncommon passphrase'
const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const SAFARI_IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1'

interface Notice {
  kind: string
  text: string
}

/** The notices a page shows, in its order, as text. */
function noticesOn(html: string): Notice[] {
  return [...html.matchAll(/<li data-notice="([^"]*)">([\s\S]*?)<\/li>/g)].map((m) => ({
    kind: m[1]!,
    text: decodeEntities(m[2]!.replace(/<[^>]*>/g, '')),
  }))
}

function client(t: TestApp, { ip, userAgent }: { ip: string; userAgent: string }) {
  return new TestClient(t.app, { 'x-forwarded-for': ip, 'user-agent': userAgent })
}

for (const engine of engines) {
  describe(`notices of other sign-ins (${engine})`, () => {
    let t: TestApp
    let recorded: ReturnType<typeof recordingDatabase>
    before(async () => {
      t = await startTestApp(engine, {
        env: { TRUST_PROXY: 'true' },
        wrap: (db) => (recorded = recordingDatabase(db)).db,
      })
    })
    after(() => t.close())

    /** The statements the app sends while `run` runs. */
    async function statementsOf(run: () => Promise<unknown>): Promise<string[]> {
      const from = recorded.statements.length
      await run()
      return recorded.statements.slice(from)
    }

    test('a second sign-in is shown once on the first session’s home page, with device, address and time, and never on its own', async () => {
      const first = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      assert.equal((await first.register('nora', PASSWORD)).statusCode, 303)
      assert.deepEqual(noticesOn((await first.get('/')).body), [], 'nothing to tell yet')

      t.clock.advanceSeconds(120)
      const second = client(t, { ip: '198.51.100.7', userAgent: FIREFOX_LINUX })
      assert.equal((await second.login('nora', PASSWORD)).statusCode, 303)
      await t.caughtUp()
      assert.deepEqual(noticesOn((await second.get('/')).body), [], 'not told of itself')
      t.clock.advanceSeconds(60)

      const home = (await first.get('/')).body
      assert.equal(signedInAs(home), 'nora')
      const notices = noticesOn(home)
      assert.equal(notices.length, 1, home)
      assert.equal(notices[0]!.kind, 'signed_in')
      assert.match(notices[0]!.text, /^A new sign-in: Firefox on Linux, from 198\.51\.100\.7, /)
      assert.ok(notices[0]!.text.includes('1 minute ago'), notices[0]!.text)
      const signedInAt = new Date(t.clock.now().getTime() - 60_000).toISOString()
      assert.ok(home.includes(`<time datetime="${signedInAt}">`), 'the time of the sign-in')
      assert.ok(home.includes(`href="/account#sessions-heading">${message('notice.review')}<`))
      assert.match(home, /<section id="session-notices"[^>]*aria-labelledby="notices-heading">/)

      assert.deepEqual(noticesOn((await first.get('/')).body), [], 'then not again')
      assert.deepEqual(noticesOn((await first.get('/account')).body), [], 'nor on /account')
    })

    test('shown first on the account page, a notice is spent there too', async () => {
      const first = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      await first.register('otto', PASSWORD)
      const second = client(t, { ip: '198.51.100.8', userAgent: FIREFOX_LINUX })
      await second.login('otto', PASSWORD)
      await t.caughtUp()
      const account = (await first.get('/account')).body
      assert.deepEqual(
        noticesOn(account).map((n) => n.kind),
        ['signed_in'],
      )
      assert.ok(noticesOn(account)[0]!.text.includes('198.51.100.8'))
      assert.deepEqual(noticesOn((await first.get('/account')).body), [])
      assert.deepEqual(noticesOn((await first.get('/')).body), [])
    })

    test('a session is not told of its own sign-in when it is told of a later one', async () => {
      const first = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      await first.register('pia', PASSWORD)
      const second = client(t, { ip: '198.51.100.9', userAgent: FIREFOX_LINUX })
      await second.login('pia', PASSWORD)
      const third = client(t, { ip: '203.0.113.3', userAgent: FIREFOX_LINUX })
      await third.login('pia', PASSWORD)
      await t.caughtUp()

      const toSecond = noticesOn((await second.get('/')).body)
      assert.equal(toSecond.length, 1, 'only the third sign-in')
      assert.ok(toSecond[0]!.text.includes('203.0.113.3'))
      const toFirst = noticesOn((await first.get('/')).body)
      assert.deepEqual(
        toFirst.map((n) => n.text.match(/from ([\d.]+)/)?.[1]),
        ['203.0.113.3', '198.51.100.9'],
        'both later sign-ins, newest first',
      )
      assert.deepEqual(noticesOn((await third.get('/')).body), [])
    })

    test('a wrong second-factor code, as the sign-in records it, is shown to every session of the account', async () => {
      const first = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      await first.register('quin', PASSWORD)
      const second = client(t, { ip: '198.51.100.10', userAgent: SAFARI_IPHONE })
      await second.login('quin', PASSWORD)
      await t.caughtUp()
      assert.equal(noticesOn((await first.get('/')).body).length, 1, 'the second sign-in')
      const user = await userRow(t.db, 'quin')
      await recordAuthEvent(t.db, {
        userId: user!.id,
        kind: 'two_factor_failed',
        at: t.clock.now(),
        ip: '203.0.113.66',
        userAgent: FIREFOX_LINUX,
      })
      await t.caughtUp()
      for (const session of [first, second]) {
        const notices = noticesOn((await session.get('/')).body)
        assert.deepEqual(
          notices.map((n) => n.kind),
          ['two_factor_failed'],
        )
        const device = message('account.deviceOn', { browser: 'Firefox', os: 'Linux' })
        const words = message('notice.two_factor_failed', { device, address: '203.0.113.66' })
        assert.ok(notices[0]!.text.startsWith(words.split('{time}')[0]!), notices[0]!.text)
        assert.deepEqual(noticesOn((await session.get('/')).body), [])
      }
      assert.ok((await second.get('/account')).body.includes(message('event.two_factor_failed')))
    })

    test('nothing of another account is shown, and no token', async () => {
      const mine = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      await mine.register('rosa', PASSWORD)
      const theirs = client(t, { ip: '192.0.2.2', userAgent: SAFARI_IPHONE })
      await theirs.register('sven', PASSWORD)
      const theirsAgain = client(t, { ip: '203.0.113.99', userAgent: FIREFOX_LINUX })
      await theirsAgain.login('sven', PASSWORD)
      const mineAgain = client(t, { ip: '198.51.100.11', userAgent: FIREFOX_LINUX })
      await mineAgain.login('rosa', PASSWORD)
      await t.caughtUp()

      const home = (await mine.get('/')).body
      const notices = noticesOn(home)
      assert.equal(notices.length, 1)
      assert.ok(notices[0]!.text.includes('198.51.100.11'))
      assert.ok(!home.includes('203.0.113.99'), 'not the other account’s sign-in')
      for (const session of [mine, mineAgain, theirsAgain]) {
        const token = session.jar.get('session')!
        assert.ok(!home.includes(token.split('.')[1]!), 'no secret of any session')
      }
      const theirNotices = noticesOn((await theirs.get('/')).body)
      assert.equal(theirNotices.length, 1)
      assert.ok(theirNotices[0]!.text.includes('203.0.113.99'))
    })

    test('a signed-in home page with no notice sends no query; one with a notice reads its session anew and spends it', async () => {
      const first = client(t, { ip: '192.0.2.1', userAgent: SAFARI_IPHONE })
      await first.register('tove', PASSWORD)
      await first.get('/') // the session and the first page of members are kept now
      assert.deepEqual(await statementsOf(() => first.get('/')), [], 'no query')

      await client(t, { ip: '198.51.100.12', userAgent: FIREFOX_LINUX }).login('tove', PASSWORD)
      await t.caughtUp()
      let page = ''
      const shown = await statementsOf(async () => (page = (await first.get('/')).body))
      assert.equal(noticesOn(page).length, 1)
      // The session's row read again (its kept copy was dropped), then the notice spent.
      assert.equal(shown.length, 2, shown.join('\n'))
      // Spending it changed the row: this instance dropped its copy, and so does the
      // change feed's echo of the change; once that has come, it is kept again.
      await t.caughtUp()
      await first.get('/')
      assert.deepEqual(await statementsOf(() => first.get('/')), [], 'no query again')
    })
  })
}
