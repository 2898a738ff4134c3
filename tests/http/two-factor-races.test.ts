import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { SECOND_FACTOR_MAX_FAILURES } from '../../src/auth/second-factor-limit.js'
import { createSessions } from '../../src/auth/sessions.js'
import {
  encryptTotpSecret,
  generateTotpSecret,
  totpSecretKey,
} from '../../src/auth/totp-secrets.js'
import { enableTotpFactor, saveTotpPending } from '../../src/auth/two-factor-store.js'
import { insertUser } from '../../src/auth/users.js'
import { loadConfig } from '../../src/config.js'
import { TestClient, hiddenInputs } from '../helpers/client.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { message, signedInAs } from '../helpers/pages.js'
import { eventKindsOf, sessionsOf, userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'
import { codeAt, enableTwoFactor } from '../helpers/two-factor.js'

// The second factor where requests meet: the same code from two browsers at once,
// the count of wrong codes and its refund, and what happens to a pending step when
// the account changes under it (password, factor off) or its cookie is not its own.
// The two-instance versions are in two-factor-instances.test.ts.

const PASSWORD = 'a long and uncommon passphrase'
const NEW_PASSWORD = 'another long and uncommon passphrase'

function firstStep(client: TestClient, name: string, password = PASSWORD) {
  return client.submit('/login', '/login', { username: name, password })
}

/**
 * Posts a code as the step's form does. When the step is gone (its page sends back to
 * /login), the post is made anyway, with the client's form token from /login, as a
 * browser holding the old page would.
 */
async function secondStep(client: TestClient, code: string) {
  const page = await client.get('/login/two-factor')
  const form =
    page.statusCode === 200
      ? hiddenInputs(page.body, '/login/two-factor')
      : hiddenInputs((await client.get('/login')).body, '/login')
  return client.post('/login/two-factor', { ...form, code })
}

/** Six digits that no step the server accepts at `now` (one early, now, one late) gives. */
function wrongCodeAt(secret: Uint8Array, now: Date): string {
  const accepted = new Set([-1, 0, 1].map((offset) => codeAt(secret, now, offset)))
  return ['000000', '111111', '222222', '333333'].find((code) => !accepted.has(code))!
}

/** Whether the page is the sign-in form with the "start over" message (the step is gone). */
function isStartOver(html: string): boolean {
  return html.includes(message('loginTwoFactor.expired')) && /action="\/login"/.test(html)
}

for (const engine of engines) {
  describe(`second-factor races and pending steps (${engine})`, { timeout: 120_000 }, () => {
    let t: TestApp
    let n = 0
    const newName = () => `race${++n}`
    before(async () => {
      t = await startTestApp(engine, {
        env: { REAUTH_MAX_AGE: '600', SESSION_IDLE_TIMEOUT: '7200' },
      })
    })
    after(() => t.close())

    async function accountWithFactor() {
      const name = newName()
      const owner = new TestClient(t.app)
      assert.equal((await owner.register(name, PASSWORD)).statusCode, 303)
      const factor = await enableTwoFactor(owner, t.clock)
      return { name, owner, ...factor }
    }

    /** `count` browsers of `name`, each past the password step (its own pending step). */
    async function atSecondStep(name: string, count: number): Promise<TestClient[]> {
      const clients = Array.from({ length: count }, () => new TestClient(t.app))
      for (const client of clients) {
        const first = await firstStep(client, name)
        assert.equal(first.statusCode, 303)
        assert.equal(first.headers.location, '/login/two-factor')
      }
      return clients
    }

    test('1. the same current code from two browsers at once: one signs in, the other 401', async () => {
      const { name, secret } = await accountWithFactor()
      const [a, b] = (await atSecondStep(name, 2)) as [TestClient, TestClient]
      const code = codeAt(secret, t.clock.now())
      const answers = await Promise.all([secondStep(a, code), secondStep(b, code)])
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [303, 401])
      const signedIn = await Promise.all(
        [a, b].map(async (c) => signedInAs((await c.get('/')).body)),
      )
      assert.equal(signedIn.filter((who) => who === name).length, 1, String(signedIn))
      assert.equal((await sessionsOf(t.db, name)).length, 2, 'the owner’s and the winner’s')
    })

    test('2. the same recovery code from two browsers at once: exactly one 303', async () => {
      const { name, recoveryCodes } = await accountWithFactor()
      const [a, b] = (await atSecondStep(name, 2)) as [TestClient, TestClient]
      const code = recoveryCodes[0]!
      const answers = await Promise.all([secondStep(a, code), secondStep(b, code)])
      assert.deepEqual(answers.map((answer) => answer.statusCode).sort(), [303, 401])
      // The recovery code ended the owner's session: only the winner's is left.
      assert.equal((await sessionsOf(t.db, name)).length, 1)
      const kinds = await eventKindsOf(t.db, name)
      assert.equal(kinds.filter((kind) => kind === 'recovery_code_used').length, 1)
    })

    test('4. a right code gives its count back: 4 wrong, 1 right, 1 wrong is 401; the next is 429', async () => {
      const { name, secret } = await accountWithFactor()
      const [first] = (await atSecondStep(name, 1)) as [TestClient]
      const wrong = wrongCodeAt(secret, t.clock.now())
      for (let i = 0; i < SECOND_FACTOR_MAX_FAILURES - 1; i++) {
        assert.equal((await secondStep(first, wrong)).statusCode, 401, `wrong code ${i + 1}`)
      }
      assert.equal((await secondStep(first, codeAt(secret, t.clock.now()))).statusCode, 303)
      assert.equal(signedInAs((await first.get('/')).body), name)
      const [second] = (await atSecondStep(name, 1)) as [TestClient]
      assert.equal(
        (await secondStep(second, wrong)).statusCode,
        401,
        'the fifth wrong code is still checked: the right one did not count',
      )
      const refused = await secondStep(second, wrong)
      assert.equal(refused.statusCode, 429, 'more than 5 wrong codes')
      assert.ok(Number(refused.headers['retry-after']) > 0)
      // Refused whatever the code, the right one of a later step too.
      t.clock.advanceSeconds(30)
      assert.equal((await secondStep(second, codeAt(secret, t.clock.now()))).statusCode, 429)
      assert.equal(signedInAs((await second.get('/')).body), null)
    })

    test('5. a wrong code leaves the pending step usable: wrong then right on one step is 303', async () => {
      const { name, secret } = await accountWithFactor()
      const [client] = (await atSecondStep(name, 1)) as [TestClient]
      const wrong = await secondStep(client, wrongCodeAt(secret, t.clock.now()))
      assert.equal(wrong.statusCode, 401)
      assert.ok(!isStartOver(wrong.body), 'the code form again, not "start over"')
      assert.ok(client.jar.get('sign-in-step'), 'the step cookie is kept')
      const right = await secondStep(client, codeAt(secret, t.clock.now()))
      assert.equal(right.statusCode, 303)
      assert.equal(signedInAs((await client.get('/')).body), name)
    })

    test('6. the password changed between the two steps: the right code starts over, no session', async () => {
      const { name, owner, secret } = await accountWithFactor()
      const [attacker] = (await atSecondStep(name, 1)) as [TestClient]
      const changed = await owner.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(changed.statusCode, 303, 'the owner is recently signed in: no code asked')
      const late = await secondStep(attacker, codeAt(secret, t.clock.now()))
      assert.equal(late.statusCode, 401)
      assert.ok(isStartOver(late.body), 'the sign-in form with "start over"')
      assert.equal(signedInAs((await attacker.get('/')).body), null)
      assert.equal((await sessionsOf(t.db, name)).length, 1, 'only the owner’s session')
      // The old password no longer opens a step; the new one does.
      const fresh = new TestClient(t.app)
      assert.equal((await firstStep(fresh, name)).statusCode, 401, 'the old password')
      const step = await firstStep(fresh, name, NEW_PASSWORD)
      assert.equal(step.statusCode, 303)
      assert.equal(step.headers.location, '/login/two-factor')
      t.clock.advanceSeconds(30) // the attacker's request spent the last step's code
      assert.equal((await secondStep(fresh, codeAt(secret, t.clock.now()))).statusCode, 303)
      assert.equal(signedInAs((await fresh.get('/')).body), name)
    })

    test('6b. a step left stale by a password change costs the account no wrong codes', async () => {
      const { name, owner, secret } = await accountWithFactor()
      const [attacker] = (await atSecondStep(name, 1)) as [TestClient]
      const changed = await owner.submit('/account', '/account/password', {
        current_password: PASSWORD,
        new_password: NEW_PASSWORD,
      })
      assert.equal(changed.statusCode, 303)
      const wrong = await secondStep(attacker, wrongCodeAt(secret, t.clock.now()))
      assert.equal(wrong.statusCode, 401)
      assert.ok(isStartOver(wrong.body), 'the old password’s step is over: start over')
      // Whatever it answers, the old password must not lock the owner out.
      for (let i = 0; i < SECOND_FACTOR_MAX_FAILURES; i++) {
        await attacker.post('/login/two-factor', {
          ...hiddenInputs((await attacker.get('/login')).body, '/login'),
          code: wrongCodeAt(secret, t.clock.now()),
        })
      }
      const fresh = new TestClient(t.app)
      assert.equal((await firstStep(fresh, name, NEW_PASSWORD)).statusCode, 303)
      const right = await secondStep(fresh, codeAt(secret, t.clock.now()))
      assert.equal(right.statusCode, 303, 'the owner with the new password signs in')
    })

    test('7. the factor turned off between the two steps: the pending step makes no session', async () => {
      const { name, owner, secret, recoveryCodes } = await accountWithFactor()
      const [pending] = (await atSecondStep(name, 1)) as [TestClient]
      const off = await owner.submit('/account/two-factor', '/account/two-factor/disable', {
        password: PASSWORD,
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(off.statusCode, 303)
      t.clock.advanceSeconds(30) // a code the factor, were it on, would accept
      const withCode = await secondStep(pending, codeAt(secret, t.clock.now()))
      assert.equal(withCode.statusCode, 401, 'a code of the removed factor signs nobody in')
      const withRecovery = await secondStep(pending, recoveryCodes[0]!)
      assert.equal(withRecovery.statusCode, 401, 'nor a recovery code of it')
      assert.equal(signedInAs((await pending.get('/')).body), null)
      assert.equal((await sessionsOf(t.db, name)).length, 1, 'only the owner’s session')
      // With the factor off the password alone signs in.
      const fresh = new TestClient(t.app)
      const login = await firstStep(fresh, name)
      assert.equal(login.statusCode, 303)
      assert.equal(login.headers.location, '/')
    })

    test('8. deleting from a stale session with the factor on: no code 400, wrong 401, right 303', async () => {
      const { name, owner, secret } = await accountWithFactor()
      const userId = (await userRow(t.db, name))!.id
      t.clock.advanceSeconds(601)
      const remove = (fields: Record<string, string>) =>
        owner.submit('/account', '/account/delete', { password: PASSWORD, ...fields })
      const noCode = await remove({})
      assert.ok([400, 401].includes(noCode.statusCode), `no code: ${noCode.statusCode}`)
      assert.ok(await userRow(t.db, name), 'still there')
      const wrong = await remove({ delete_code: wrongCodeAt(secret, t.clock.now()) })
      assert.equal(wrong.statusCode, 401)
      assert.ok(await userRow(t.db, name), 'still there')
      const right = await remove({ delete_code: codeAt(secret, t.clock.now()) })
      assert.equal(right.statusCode, 303)
      assert.equal(await userRow(t.db, name), undefined, 'gone')
      const [left] = await t.db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM totp_factors WHERE user_id = $1',
        [userId],
      )
      assert.equal(left!.n, 0, 'the factor went with it')
    })

    test('9. turning it off from a stale session: the password and a code are the confirmation', async () => {
      const { name, owner, secret } = await accountWithFactor()
      const page = await owner.get('/account/two-factor') // a tab left open
      const hidden = hiddenInputs(page.body, '/account/two-factor/disable')
      t.clock.advanceSeconds(601)
      assert.equal((await owner.get('/account/two-factor')).statusCode, 303, 'stale now')
      const off = await owner.post('/account/two-factor/disable', {
        ...hidden,
        password: PASSWORD,
        code: codeAt(secret, t.clock.now()),
      })
      assert.equal(off.statusCode, 303)
      assert.equal(off.headers.location, '/account')
      assert.ok((await eventKindsOf(t.db, name)).includes('two_factor_disabled'))
      const login = await firstStep(new TestClient(t.app), name)
      assert.equal(login.headers.location, '/', 'the password alone signs in')
    })

    test('10. the step cookie is bound: a tampered secret starts over; another account’s step signs nobody in', async () => {
      const { name, secret } = await accountWithFactor()
      const [holder, other] = (await atSecondStep(name, 2)) as [TestClient, TestClient]
      const [holderId, holderSecret] = holder.jar.get('sign-in-step')!.split('.') as [
        string,
        string,
      ]
      const otherSecret = other.jar.get('sign-in-step')!.split('.')[1]!
      assert.notEqual(otherSecret, holderSecret)
      const forger = new TestClient(t.app)
      const forms = await forger.get('/login')
      const fields = hiddenInputs(forms.body, '/login')
      const flipped = holderSecret.slice(0, -1) + (holderSecret.endsWith('A') ? 'B' : 'A')
      for (const cookie of [`${holderId}.${otherSecret}`, `${holderId}.${flipped}`]) {
        forger.jar.set('sign-in-step', cookie)
        const page = await forger.get('/login/two-factor')
        assert.equal(page.statusCode, 303, 'no code form for a forged step')
        forger.jar.set('sign-in-step', cookie)
        const forged = await forger.post('/login/two-factor', {
          ...fields,
          code: codeAt(secret, t.clock.now()),
        })
        assert.equal(forged.statusCode, 401)
        assert.ok(isStartOver(forged.body), 'start over')
        assert.equal(signedInAs((await forger.get('/')).body), null)
      }
      // The forged requests neither spent the real step nor the code.
      assert.equal((await secondStep(holder, codeAt(secret, t.clock.now()))).statusCode, 303)

      // A step of account X, with the right code of account Y: neither is signed in.
      const x = await accountWithFactor()
      const y = await accountWithFactor()
      const xWindow = [-1, 0, 1].map((offset) => codeAt(x.secret, t.clock.now(), offset))
      while (xWindow.includes(codeAt(y.secret, t.clock.now()))) t.clock.advanceSeconds(30)
      const [onX] = (await atSecondStep(x.name, 1)) as [TestClient]
      const crossed = await secondStep(onX, codeAt(y.secret, t.clock.now()))
      assert.equal(crossed.statusCode, 401)
      assert.equal(signedInAs((await onX.get('/')).body), null)
      assert.equal((await sessionsOf(t.db, x.name)).length, 1, 'X: the owner only')
      assert.equal((await sessionsOf(t.db, y.name)).length, 1, 'Y: the owner only')
      // Y's code was not spent by it: Y's owner can still use it.
      const [onY] = (await atSecondStep(y.name, 1)) as [TestClient]
      assert.equal((await secondStep(onY, codeAt(y.secret, t.clock.now()))).statusCode, 303)
    })
  })

  describe(`a password-only session insert with the factor on (${engine})`, () => {
    let database: TestDatabase
    const now = new Date('2026-01-01T12:00:00Z')
    const config = loadConfig({ LOG_LEVEL: 'silent' })
    const key = totpSecretKey('a server secret of the tests, long enough')
    before(async () => {
      database = await openTestDatabase(engine)
    })
    after(() => database.close())

    test('11. sessions.create refuses it without secondFactorGiven, makes it with', async () => {
      const { db } = database
      const sessions = createSessions({ db, policy: config.session, clock: () => now })
      const inserted = await insertUser(db, {
        username: 'turned-on',
        usernameKey: 'turned-on',
        passwordHash: '$argon2id$not-a-real-hash',
        now,
      })
      assert.ok(inserted.ok)
      const { id: userId, passwordVersion } = inserted.user
      const stored = encryptTotpSecret(key, { userId, secret: generateTotpSecret() })
      assert.equal(await saveTotpPending(db, { userId, secret: stored, now }), true)
      const whilePending = await sessions.create({ userId, passwordVersion, remember: false })
      assert.equal(whilePending.ok, true, 'a factor not yet confirmed asks for nothing')
      assert.equal(
        await enableTotpFactor(db, { userId, secret: stored, step: 1, now }),
        true,
        'the factor on',
      )
      const refused = await sessions.create({ userId, passwordVersion, remember: false })
      assert.deepEqual(refused, { ok: false, code: 'second_factor_required' })
      const explicitNo = await sessions.create({
        userId,
        passwordVersion,
        remember: false,
        secondFactorGiven: false,
      })
      assert.deepEqual(explicitNo, { ok: false, code: 'second_factor_required' })
      const given = await sessions.create({
        userId,
        passwordVersion,
        remember: false,
        secondFactorGiven: true,
      })
      assert.equal(given.ok, true)
      // The password check comes first: an old version is refused even with the factor.
      const stale = await sessions.create({
        userId,
        passwordVersion: passwordVersion + 1,
        remember: false,
        secondFactorGiven: true,
      })
      assert.deepEqual(stale, { ok: false, code: 'password_changed' })
      const [row] = await db.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM sessions WHERE user_id = $1',
        [userId],
      )
      assert.equal(row!.n, 2, 'the one made while pending, and the one with the factor')
      await sessions.close()
    })
  })
}
