import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { changePassword, deleteAccount, registerAccount } from '../../src/auth/accounts.js'
import { createMembers } from '../../src/auth/members.js'
import { createSessions, type Sessions } from '../../src/auth/sessions.js'
import { startCaches, type Caches } from '../../src/cache/caches.js'
import type { SessionPolicy } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { underLease } from '../helpers/hash-lease.js'

// Every way a session ends, through the session service alone, with the change
// notifications that would tell this instance's memory about it lost: each ended
// session is refused at once all the same, because the verb that ended it dropped it
// from memory itself. Heartbeats still come back, so the memory counts as current
// and would answer from a stale copy; the first test shows that it does, for a row
// deleted behind the service's back.

const POLICY: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43_200,
  rememberTimeoutSeconds: 2_592_000,
  maxSessionsPerAccount: 3,
}
const ACCOUNT_POLICY = {
  passwordMinLength: 8,
  passwordHash: { memoryCost: 8192, timeCost: 1, parallelism: 1 },
}
const PASSWORD = 'correct horse battery staple'

/** The database, with change notifications dropped and heartbeats passed on. */
function withChangesLost(db: Database): Database {
  return {
    ...db,
    listen: (channel, handlers) =>
      db.listen(channel, {
        onMessage: (payload) => {
          if (payload.startsWith('beat:')) handlers.onMessage(payload)
        },
        onLost: handlers.onLost,
      }),
  }
}

for (const engine of engines) {
  describe(`the session service ends sessions in memory too (${engine})`, () => {
    let database: TestDatabase
    let caches: Caches
    let sessions: Sessions
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
      caches = await startCaches(withChangesLost(database.db), (error) => {
        throw error
      })
      sessions = createSessions({
        db: database.db,
        policy: POLICY,
        clock: () => now,
        known: caches.sessions,
      })
    })
    after(async () => {
      await caches?.close()
      await database?.close()
    })

    /** A new account and one of its sessions, validated once so that memory keeps it. */
    async function keptSession() {
      const registered = await underLease((lease) =>
        registerAccount(
          services(),
          { username: `member${++users}`, password: PASSWORD },
          { now, lease },
        ),
      )
      assert.ok(registered.ok)
      const user = registered.user
      const session = await signIn(user.id)
      return { user, ...session }
    }

    async function signIn(userId: number, replacesSessionId?: string) {
      await caches.caughtUp()
      const created = await sessions.create({
        userId,
        passwordVersion: 1,
        remember: false,
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
      const { token, id } = await keptSession()
      await sessions.end(id)
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
