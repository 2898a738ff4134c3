import assert from 'node:assert/strict'
import { after, afterEach, before, describe, test } from 'node:test'
import { changePassword, deleteAccount } from '../../src/auth/accounts.js'
import { registerAccount } from '../../src/auth/registration.js'
import { createMembers } from '../../src/auth/members.js'
import { createSessions, type Sessions } from '../../src/auth/sessions.js'
import type { KnownSession } from '../../src/auth/sessions.js'
import type { MembersPage } from '../../src/auth/members.js'
import { FreshCache } from '../../src/cache/fresh-cache.js'
import type { SessionPolicy } from '../../src/config.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { underLease } from '../helpers/hash-lease.js'

// Every way a session ends, through the session service alone, with no change
// notifications at all: the memory is a FreshCache that always counts as current (as
// the real one does while the change feed's heartbeats come back) and that nothing
// but the services ever empties. Each ended session is refused at once all the same,
// because the verb that ended it dropped it from memory itself. The first test shows
// that this memory does answer from a stale copy, for a row deleted behind the
// service's back; after each path, a session of another account is still kept, so
// memory was in use and the drop touched only what had ended.

const POLICY: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43_200,
  rememberTimeoutSeconds: 2_592_000,
  maxSessionsPerAccount: 3,
  reauthMaxAgeSeconds: 600,
}
const ACCOUNT_POLICY = {
  passwordMinLength: 8,
  passwordHash: { memoryCost: 8192, timeCost: 1, parallelism: 1 },
}
const PASSWORD = 'correct horse battery staple'

for (const engine of engines) {
  describe(`the session service ends sessions in memory too (${engine})`, () => {
    let database: TestDatabase
    const alwaysCurrent = () => true
    const caches = {
      sessions: new FreshCache<string, KnownSession>({ max: 1000, isCurrent: alwaysCurrent }),
      memberPages: new FreshCache<number, MembersPage>({ max: 10, isCurrent: alwaysCurrent }),
    }
    let sessions: Sessions
    let sentinel: { token: string; id: string }
    let now = new Date()
    let users = 0
    const services = () => ({
      db: database.db,
      policy: ACCOUNT_POLICY,
      sessions,
      members: createMembers({ db: database.db, known: caches.memberPages }),
    })

    before(async () => {
      database = await openTestDatabase(engine)
      sessions = createSessions({
        db: database.db,
        policy: POLICY,
        clock: () => now,
        known: caches.sessions,
      })
      // With remember-me, so that the idle limit the expiry test crosses leaves it alone.
      sentinel = await keptSession({ remember: true })
    })
    after(async () => {
      await database?.close()
    })

    /** The session of another account is still kept in memory, and still valid. */
    afterEach(async () => {
      assert.ok(caches.sessions.get(sentinel.id), "another account's session is still kept")
      assert.ok(await sessions.validate(sentinel.token))
    })

    /** A new account and one of its sessions, validated once so that memory keeps it. */
    async function keptSession({ remember = false } = {}) {
      const registered = await underLease((lease) =>
        registerAccount(
          services(),
          { username: `member${++users}`, password: PASSWORD },
          { now, lease },
        ),
      )
      assert.ok(registered.ok)
      const user = registered.user
      const session = await signIn(user.id, undefined, remember)
      return { user, ...session }
    }

    async function signIn(userId: number, replacesSessionId?: string, remember = false) {
      const created = await sessions.create({
        userId,
        passwordVersion: 1,
        remember,
        replacesSessionId,
      })
      assert.ok(created.ok)
      assert.ok(await sessions.validate(created.token), 'valid')
      assert.ok(caches.sessions.get(created.session.id), 'kept in memory')
      return { token: created.token, id: created.session.id }
    }

    test('control: a row deleted behind the service is still honoured from memory', async () => {
      const { token, id } = await keptSession()
      await database.db.query('DELETE FROM sessions WHERE id = $1', [id])
      assert.ok(await sessions.validate(token), 'memory answered: the test can see a stale copy')
      caches.sessions.delete(id)
      assert.equal(await sessions.validate(token), null)
    })

    test('sign-out', async () => {
      const { user, token, id } = await keptSession()
      await sessions.endOne(user.id, id)
      assert.equal(await sessions.validate(token), null)
    })

    test('a sign-in over the old session of the same browser', async () => {
      const { user, token, id } = await keptSession()
      const renewed = await signIn(user.id, id)
      assert.equal(await sessions.validate(token), null, 'the old session')
      assert.ok(await sessions.validate(renewed.token), 'the new one')
    })

    test('a sign-in beyond SESSIONS_PER_ACCOUNT ends the least recently used', async () => {
      const { user, token, id } = await keptSession()
      for (let i = 1; i < POLICY.maxSessionsPerAccount; i++) {
        now = new Date(now.getTime() + 1000)
        await signIn(user.id)
      }
      // Not validated meanwhile: that would make it the most recently used.
      assert.ok(caches.sessions.get(id), 'still within the cap, and kept')
      now = new Date(now.getTime() + 1000)
      await signIn(user.id)
      assert.equal(await sessions.validate(token), null)
    })

    test('revoking one session from the account page', async () => {
      const { user, token, id } = await keptSession()
      assert.equal(await sessions.endOne(user.id + 1_000_000, id), false, 'not by another account')
      assert.ok(await sessions.validate(token))
      assert.equal(await sessions.endOne(user.id, id), true)
      assert.equal(await sessions.validate(token), null)
    })

    test('revoking all other sessions', async () => {
      const { user, token } = await keptSession()
      const current = await signIn(user.id)
      assert.equal(await sessions.endAll(user.id, { except: current.id }), 1)
      assert.equal(await sessions.validate(token), null)
      assert.ok(await sessions.validate(current.token), 'the current one stays')
    })

    test('a password change ends the other sessions once it commits', async () => {
      const { user, token } = await keptSession()
      const current = await signIn(user.id)
      const changed = await underLease((lease) =>
        changePassword(
          services(),
          { userId: user.id, currentSessionId: current.id },
          { currentPassword: PASSWORD, newPassword: 'a new and different passphrase' },
          { now, origin: { ip: undefined, userAgent: undefined }, lease },
        ),
      )
      assert.ok(changed.ok)
      assert.equal(await sessions.validate(token), null)
      assert.ok(await sessions.validate(current.token), 'the session that changed it stays')
    })

    test('deleting the account ends all its sessions', async () => {
      const { user, token } = await keptSession()
      const current = await signIn(user.id)
      const deleted = await underLease((lease) =>
        deleteAccount(services(), { userId: user.id, password: PASSWORD }, { lease }),
      )
      assert.ok(deleted.ok)
      assert.equal(await sessions.validate(token), null)
      assert.equal(await sessions.validate(current.token), null)
    })

    test('expiry found at validation: the kept copy is dropped with the row', async () => {
      const { token, id } = await keptSession()
      const signedInAt = now
      now = new Date(signedInAt.getTime() + POLICY.idleTimeoutSeconds * 1000)
      assert.equal(await sessions.validate(token), null)
      assert.equal(caches.sessions.get(id), undefined, 'gone from memory')
      const [row] = await database.db.query('SELECT 1 FROM sessions WHERE id = $1', [id])
      assert.equal(row, undefined, 'and from the table')
    })
  })
}
