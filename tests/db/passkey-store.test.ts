import assert from 'node:assert/strict'
import { after, before, beforeEach, describe, test } from 'node:test'
import {
  deletePasskey,
  findPasskey,
  insertPasskey,
  listPasskeys,
  recordPasskeyUse,
  renamePasskey,
} from '../../src/auth/passkey-store.js'
import { insertUser } from '../../src/auth/users.js'
import {
  CHALLENGE_LIFETIME_SECONDS,
  deleteExpiredChallenges,
  insertChallenge,
  newChallengeId,
  takeChallenge,
} from '../../src/auth/webauthn-challenges.js'
import type { Database } from '../../src/db/database.js'
import { purgeOnce } from '../../src/jobs/purge.js'
import { engines } from '../helpers/databases.js'
import { openTwoHandles, type TwoHandles } from './two-handles.js'

// The passkey rows (migration 0013) on each engine: a challenge is taken once, by one
// of two instances racing for it, only before it expires and only by its own purpose,
// session and value; the purge deletes the expired ones; the counter moves by compare
// and set; everything goes with the account.

const NOW = new Date('2026-01-01T12:00:00Z')
const later = (seconds: number) => new Date(NOW.getTime() + seconds * 1000)

for (const engine of engines) {
  describe(`the passkey store (${engine})`, { timeout: 60_000 }, () => {
    let handles: TwoHandles
    let db: Database

    before(async () => {
      handles = await openTwoHandles(engine)
      db = handles.first
    })
    after(() => handles.close())
    beforeEach(() =>
      db.exec('TRUNCATE webauthn_challenges, passkeys, sessions, users RESTART IDENTITY CASCADE'),
    )

    async function addUser(username: string): Promise<number> {
      const result = await insertUser(db, {
        username,
        usernameKey: username,
        passwordHash: '$argon2id$not-a-real-hash',
        now: NOW,
      })
      assert.ok(result.ok)
      return result.user.id
    }

    async function addSession(userId: number, id: string): Promise<void> {
      await db.query(
        `INSERT INTO sessions (id, secret_hash, user_id, created_at, last_seen_at, expires_at, remember)
         VALUES ($1, $2, $3, $4, $4, $5, false)`,
        [id, new Uint8Array(32), userId, NOW, later(3600)],
      )
    }

    const passkey = (userId: number, id: string) => ({
      id,
      userId,
      publicKey: new Uint8Array([1, 2, 3, 255]),
      counter: 0,
      transports: ['internal' as const, 'hybrid' as const],
      deviceType: 'multiDevice' as const,
      backedUp: true,
      name: 'Phone',
      createdAt: NOW,
    })

    test('a sign-in challenge is taken once; the second take finds nothing', async () => {
      const id = newChallengeId()
      await insertChallenge(db, { id, challenge: 'abc', purpose: 'sign_in', now: NOW })
      const take = () =>
        takeChallenge(db, { id, challenge: 'abc', purpose: 'sign_in', now: later(1) })
      assert.equal(await take(), 'abc')
      assert.equal(await take(), null)
    })

    test('two instances racing for one challenge: exactly one wins', async () => {
      for (let round = 0; round < 10; round++) {
        const id = newChallengeId()
        await insertChallenge(db, { id, challenge: 'race', purpose: 'sign_in', now: NOW })
        const results = await Promise.all(
          [handles.first, handles.second].map((handle) =>
            takeChallenge(handle, { id, challenge: 'race', purpose: 'sign_in', now: later(1) }),
          ),
        )
        assert.equal(results.filter((r) => r === 'race').length, 1, `round ${round}`)
      }
    })

    test('a challenge expires after 5 minutes (by the clock given) and the purge deletes it', async () => {
      const id = newChallengeId()
      await insertChallenge(db, { id, challenge: 'old', purpose: 'sign_in', now: NOW })
      const at = (seconds: number) =>
        takeChallenge(db, { id, challenge: 'old', purpose: 'sign_in', now: later(seconds) })
      assert.equal(await at(CHALLENGE_LIFETIME_SECONDS), null, 'expired at 5 minutes')
      assert.equal(await deleteExpiredChallenges(db, { now: later(10), limit: 10 }), 0)
      const fresh = newChallengeId()
      await insertChallenge(db, { id: fresh, challenge: 'new', purpose: 'sign_in', now: later(60) })
      await purgeOnce({
        db,
        policy: {
          idleTimeoutSeconds: 1800,
          absoluteTimeoutSeconds: 43_200,
          rememberTimeoutSeconds: 2_592_000,
          maxSessionsPerAccount: 100,
          reauthMaxAgeSeconds: 600,
        },
        now: later(CHALLENGE_LIFETIME_SECONDS + 1),
      })
      const left = await db.query<{ id: string }>('SELECT id FROM webauthn_challenges')
      assert.deepEqual(
        left.map((row) => row.id),
        [fresh],
        'the expired one is gone, the fresh one kept',
      )
      assert.equal(
        await takeChallenge(db, {
          id: fresh,
          challenge: 'new',
          purpose: 'sign_in',
          now: later(CHALLENGE_LIFETIME_SECONDS + 59),
        }),
        'new',
      )
    })

    test('a challenge is taken only with its own purpose, session and value; a miss leaves it', async () => {
      const userId = await addUser('alice')
      const otherId = await addUser('bob')
      await addSession(userId, 'session-a')
      await addSession(userId, 'session-b')
      await addSession(otherId, 'session-c')
      const id = newChallengeId()
      const owner = { userId, sessionId: 'session-a' }
      await insertChallenge(db, { id, challenge: 'reg', purpose: 'register', owner, now: NOW })
      const misses = [
        { challenge: 'other', purpose: 'register', owner },
        { challenge: 'reg', purpose: 'sign_in', owner },
        { challenge: 'reg', purpose: 'reauthenticate', owner },
        { challenge: 'reg', purpose: 'register', owner: undefined },
        { challenge: 'reg', purpose: 'register', owner: { userId, sessionId: 'session-b' } },
        {
          challenge: 'reg',
          purpose: 'register',
          owner: { userId: otherId, sessionId: 'session-c' },
        },
      ] as const
      for (const miss of misses) {
        assert.equal(
          await takeChallenge(db, { id, ...miss, now: later(1) }),
          null,
          JSON.stringify(miss),
        )
      }
      assert.equal(
        await takeChallenge(db, {
          id,
          challenge: 'reg',
          purpose: 'register',
          owner,
          now: later(1),
        }),
        'reg',
      )
    })

    test("a session's challenges end with it; an account's passkeys and challenges go with it", async () => {
      const userId = await addUser('alice')
      await addSession(userId, 'session-a')
      const owner = { userId, sessionId: 'session-a' }
      await insertChallenge(db, {
        id: newChallengeId(),
        challenge: 'x',
        purpose: 'register',
        owner,
        now: NOW,
      })
      await db.query('DELETE FROM sessions WHERE id = $1', ['session-a'])
      assert.equal((await db.query('SELECT 1 FROM webauthn_challenges')).length, 0)
      await addSession(userId, 'session-b')
      await insertChallenge(db, {
        id: newChallengeId(),
        challenge: 'y',
        purpose: 'reauthenticate',
        owner: { userId, sessionId: 'session-b' },
        now: NOW,
      })
      assert.equal(await insertPasskey(db, passkey(userId, 'cred-1')), true)
      await db.query('DELETE FROM users WHERE id = $1', [userId])
      assert.equal((await db.query('SELECT 1 FROM passkeys')).length, 0)
      assert.equal((await db.query('SELECT 1 FROM webauthn_challenges')).length, 0)
    })

    test('a passkey is kept whole (bytes, transports), once per credential ID, and read back on either engine', async () => {
      const userId = await addUser('alice')
      assert.equal(await insertPasskey(db, passkey(userId, 'cred-1')), true)
      assert.equal(await insertPasskey(db, passkey(userId, 'cred-1')), false, 'the same ID again')
      const found = await findPasskey(handles.second, 'cred-1')
      assert.deepEqual(found, { ...passkey(userId, 'cred-1'), lastUsedAt: null })
      assert.deepEqual(
        (await listPasskeys(db, userId)).map((p) => p.id),
        ['cred-1'],
      )
    })

    test('the counter moves by compare and set: of two uses from one value, one wins', async () => {
      const userId = await addUser('alice')
      await insertPasskey(db, passkey(userId, 'cred-1'))
      const results = await Promise.all(
        [handles.first, handles.second].map((handle, i) =>
          recordPasskeyUse(handle, {
            id: 'cred-1',
            from: 0,
            to: 5 + i,
            at: later(1),
            backedUp: false,
          }),
        ),
      )
      assert.deepEqual(results.filter(Boolean).length, 1)
      const after = await findPasskey(db, 'cred-1')
      assert.ok(after?.counter === 5 || after?.counter === 6)
      assert.deepEqual(after?.lastUsedAt, later(1))
      assert.equal(
        await recordPasskeyUse(db, { id: 'cred-1', from: 0, to: 9, at: later(2), backedUp: false }),
        false,
      )
      assert.equal(
        await recordPasskeyUse(db, {
          id: 'cred-1',
          from: after!.counter,
          to: 9,
          at: later(2),
          backedUp: true,
        }),
        true,
      )
      // What the authenticator says at use is kept: it may have started syncing.
      assert.equal((await findPasskey(db, 'cred-1'))?.backedUp, true)
    })

    test("renaming and deleting touch only the account's own passkey", async () => {
      const alice = await addUser('alice')
      const bob = await addUser('bob')
      await insertPasskey(db, passkey(alice, 'cred-1'))
      assert.equal(await renamePasskey(db, { userId: bob, id: 'cred-1', name: 'Mine' }), false)
      assert.equal(await deletePasskey(db, { userId: bob, id: 'cred-1' }), false)
      assert.equal(await renamePasskey(db, { userId: alice, id: 'cred-1', name: 'Laptop' }), true)
      assert.equal((await findPasskey(db, 'cred-1'))?.name, 'Laptop')
      assert.equal(await deletePasskey(db, { userId: alice, id: 'cred-1' }), true)
      assert.equal(await findPasskey(db, 'cred-1'), null)
    })
  })
}
