import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient, setCookie } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { signedInAs } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'a long and uncommon passphrase'

async function sessionRows(t: TestApp, username: string) {
  return t.db.query<{ id: string; remember: boolean; last_seen_at: Date; expires_at: Date }>(
    `SELECT s.id, s.remember, s.last_seen_at, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id
      WHERE u.username = $1 ORDER BY s.created_at`,
    [username],
  )
}

async function whoIsSignedIn(client: TestClient): Promise<string | null> {
  return signedInAs((await client.get('/')).body)
}

for (const engine of engines) {
  describe(`sessions (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine, {
        env: {
          SESSION_IDLE_TIMEOUT: '60',
          SESSION_ABSOLUTE_TIMEOUT: '300',
          SESSION_REMEMBER_TIMEOUT: '900',
        },
      })
      await new TestClient(t.app).register('sam', PASSWORD)
    })
    after(() => t.close())

    test('the database stores sha256 of the secret, never the token', async () => {
      const client = new TestClient(t.app)
      await client.login('sam', PASSWORD)
      const token = client.jar.get('session')!
      const [id, secret] = token.split('.') as [string, string]
      assert.ok(secret.length >= 22, 'at least 128 bits of secret')
      const [row] = await t.db.query<{ secret_hash: Uint8Array }>(
        'SELECT secret_hash FROM sessions WHERE id = $1',
        [id],
      )
      const stored = Buffer.from(row!.secret_hash).toString('hex')
      const { createHash } = await import('node:crypto')
      assert.equal(stored, createHash('sha256').update(secret).digest('hex'))
      const dump = JSON.stringify(await t.db.query('SELECT * FROM sessions'))
      assert.ok(!dump.includes(secret))
    })

    test('a session ends after the idle limit without use', async () => {
      const client = new TestClient(t.app)
      await client.login('sam', PASSWORD)
      t.clock.advanceSeconds(59)
      assert.equal(await whoIsSignedIn(client), 'sam', 'still signed in at 59 s idle')
      t.clock.advanceSeconds(59)
      assert.equal(await whoIsSignedIn(client), 'sam', 'use at 59 s restarted the idle limit')
      t.clock.advanceSeconds(60)
      assert.equal(await whoIsSignedIn(client), null, 'ended after 60 s idle')
      assert.equal(client.jar.has('session'), false, 'the dead cookie is cleared')
    })

    test('a session ends at the absolute limit however it is used', async () => {
      const client = new TestClient(t.app)
      await client.login('sam', PASSWORD)
      for (const elapsed of [50, 100, 150, 200, 250, 299]) {
        t.clock.advanceSeconds(elapsed <= 250 ? 50 : 49)
        assert.equal(await whoIsSignedIn(client), 'sam', `still signed in at ${elapsed} s`)
      }
      t.clock.advanceSeconds(1) // 300 s after sign-in: the limit
      assert.equal(await whoIsSignedIn(client), null)
    })

    test('remember me: Max-Age equals SESSION_REMEMBER_TIMEOUT and no idle limit applies', async () => {
      const client = new TestClient(t.app)
      const response = await client.login('sam', PASSWORD, { remember: 'on' })
      assert.equal(setCookie(response, 'session')?.maxAge, 900)
      const [id] = client.jar.get('session')!.split('.') as [string]
      const row = (await sessionRows(t, 'sam')).find((r) => r.id === id)
      assert.equal(row?.remember, true)
      assert.equal(row?.expires_at.getTime(), t.clock.now().getTime() + 900_000)
      t.clock.advanceSeconds(600) // far past the idle and the absolute limit
      assert.equal(await whoIsSignedIn(client), 'sam')
      t.clock.advanceSeconds(301) // 901 s after sign-in
      assert.equal(await whoIsSignedIn(client), null)
    })

    test('each sign-in issues a new session and ends the one whose cookie came with it', async () => {
      const client = new TestClient(t.app)
      const other = new TestClient(t.app)
      await other.login('sam', PASSWORD)
      await client.login('sam', PASSWORD)
      const first = client.jar.get('session')!
      await client.login('sam', PASSWORD)
      const second = client.jar.get('session')!
      assert.notEqual(first, second)
      const fixated = await new TestClient(t.app).get('/', { cookie: `session=${first}` })
      assert.equal(signedInAs(fixated.body), null, 'the old token is dead')
      assert.equal(
        (await t.db.query('SELECT 1 FROM sessions WHERE id = $1', [first.split('.')[0]])).length,
        0,
      )
      assert.equal(await whoIsSignedIn(other), 'sam', 'the other device is unaffected')
    })

    test('a cookie naming a real session id with a wrong secret neither signs in nor ends that session', async () => {
      const victim = new TestClient(t.app)
      await victim.login('sam', PASSWORD)
      const [id] = victim.jar.get('session')!.split('.') as [string]
      const forged = `${id}.${'A'.repeat(43)}`
      const attacker = new TestClient(t.app)
      attacker.jar.set('session', forged)
      assert.equal(await whoIsSignedIn(attacker), null)
      await new TestClient(t.app).register('mallory', PASSWORD)
      attacker.jar.set('session', forged)
      await attacker.login('mallory', PASSWORD)
      assert.equal(await whoIsSignedIn(victim), 'sam', "the victim's session survives")
    })

    test('validation writes last_seen_at at most once a second, not on every request', async () => {
      const client = new TestClient(t.app)
      await client.login('sam', PASSWORD)
      const [id] = client.jar.get('session')!.split('.') as [string]
      const lastSeen = async () =>
        (
          await t.db.query<{ last_seen_at: Date }>(
            'SELECT last_seen_at FROM sessions WHERE id = $1',
            [id],
          )
        )[0]!.last_seen_at.getTime()
      const start = await lastSeen()
      for (let i = 0; i < 5; i++) await client.get('/')
      assert.equal(await lastSeen(), start, 'no write within the same second')
      t.clock.advanceSeconds(1)
      await client.get('/')
      assert.equal(await lastSeen(), start + 1000, 'written once the second has passed')
    })

    const malformed = [
      '',
      'garbage',
      'a.b',
      '.'.repeat(64),
      `${'x'.repeat(20)}.${'y'.repeat(43)}`,
      '%E0%A4%A',
      'x'.repeat(4000),
      '"quoted"',
      '\u00e9t\u00e9.nope',
    ]
    for (const value of malformed) {
      test(`a malformed session cookie (${JSON.stringify(value.slice(0, 20))}) means signed out, not an error`, async () => {
        const response = await t.app.inject({
          method: 'GET',
          url: '/',
          headers: { cookie: `session=${value}` },
        })
        assert.equal(response.statusCode, 200)
        assert.equal(signedInAs(response.body), null)
      })
    }

    test('a header of broken cookies is survived', async () => {
      const response = await t.app.inject({
        method: 'GET',
        url: '/',
        headers: { cookie: 'session; =; ;;; session==; csrf=%zz; session=a=b=c' },
      })
      assert.equal(response.statusCode, 200)
    })

    test('the members list is newest first, 50 a page, with an ?after= cursor', async () => {
      const client = new TestClient(t.app)
      await client.login('sam', PASSWORD)
      // Filler members straight into the table: hashing 60 passwords would only slow the test.
      for (let i = 1; i <= 60; i++) {
        await t.db.query(
          `INSERT INTO users (username, username_key, password_hash, created_at) VALUES ($1, $1, 'x', now())`,
          [`filler${String(i).padStart(2, '0')}`],
        )
      }
      await t.caughtUp()
      const first = (await client.get('/')).body
      const names = [...first.matchAll(/class="member-name">([^<]+)</g)].map((m) => m[1])
      assert.equal(names.length, 50)
      assert.equal(names[0], 'filler60')
      assert.equal(names[49], 'filler11')
      const next = /href="\/\?after=(\d+)"/.exec(first)?.[1]
      assert.ok(next)
      const second = (await client.get(`/?after=${next}`)).body
      const rest = [...second.matchAll(/class="member-name">([^<]+)</g)].map((m) => m[1])
      assert.equal(rest[0], 'filler10')
      assert.ok(rest.includes('sam'))
      assert.ok(
        !first.includes('password_hash') && !first.includes('$argon2'),
        'no hash on the page',
      )
      for (const bad of ['abc', '-1', '0', '1.5', '99999999999999999999']) {
        assert.equal((await client.get(`/?after=${bad}`)).statusCode, 400, bad)
      }
    })
  })
}

describe('secure cookies', () => {
  let t: TestApp
  before(async () => {
    t = await startTestApp('pglite', { env: { COOKIE_SECURE: 'true' } })
  })
  after(() => t.close())

  test('COOKIE_SECURE=true names the cookie __Host-session with Secure, Path=/ and no Domain', async () => {
    const client = new TestClient(t.app)
    const response = await client.register('sue', PASSWORD)
    assert.equal(response.statusCode, 303)
    const cookie = setCookie(response, '__Host-session')
    assert.ok(cookie)
    assert.equal(cookie.secure, true)
    assert.equal(cookie.httpOnly, true)
    assert.equal(cookie.sameSite, 'Lax')
    assert.equal(cookie.path, '/')
    assert.equal(cookie.domain, undefined)
    assert.equal(setCookie(response, 'session'), undefined)
    assert.equal(await whoIsSignedIn(client), 'sue')
    assert.match(String(response.headers['strict-transport-security']), /max-age=\d+/)
  })
})
