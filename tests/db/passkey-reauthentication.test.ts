import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { SessionPolicy } from '../../src/config.js'
import {
  beginPasskeyReauthentication,
  beginPasskeyRegistration,
  beginPasskeySignIn,
  finishPasskeyRegistration,
  verifyPasskeyForUser,
  type PasskeyServices,
} from '../../src/auth/passkeys.js'
import { createSessions } from '../../src/auth/sessions.js'
import { insertUser } from '../../src/auth/users.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { SoftwareAuthenticator } from '../helpers/software-authenticator.js'

// The function the re-authentication page (issue 12, sudo mode) will call: a passkey
// assertion verified for a given signed-in user, with a challenge made for that
// session, and for no one else's passkey.

const POLICY: SessionPolicy = {
  idleTimeoutSeconds: 1800,
  absoluteTimeoutSeconds: 43_200,
  rememberTimeoutSeconds: 2_592_000,
  maxSessionsPerAccount: 100,
  reauthMaxAgeSeconds: 600,
}
const RP = { origin: 'https://logon.example', id: 'logon.example' }

for (const engine of engines) {
  describe(`verifyPasskeyForUser (${engine})`, { timeout: 60_000 }, () => {
    let database: TestDatabase
    let svc: PasskeyServices

    before(async () => {
      database = await openTestDatabase(engine)
      const { db } = database
      const sessions = createSessions({ db, policy: POLICY, clock: () => new Date() })
      svc = { db, sessions, relyingParty: RP, relyingPartyName: 'Logon', now: () => new Date() }
    })
    after(() => database.close())

    async function userWithPasskey(username: string) {
      const made = await insertUser(svc.db, {
        username,
        usernameKey: username,
        passwordHash: '$argon2id$not-a-real-hash',
        now: new Date(),
      })
      assert.ok(made.ok)
      const session = await svc.sessions.create({
        userId: made.user.id,
        passwordVersion: made.user.passwordVersion,
        remember: false,
      })
      assert.ok(session.ok)
      const owner = { userId: made.user.id, sessionId: session.session.id }
      const key = new SoftwareAuthenticator(RP)
      const ceremony = await beginPasskeyRegistration(svc, { owner, username })
      const added = await finishPasskeyRegistration(svc, {
        owner,
        challengeId: ceremony.challengeId,
        response: key.register(ceremony.options),
        name: 'Key',
        origin: {},
      })
      assert.ok(added.ok)
      return { owner, key }
    }

    test("confirms the user with their own passkey, once per challenge; never with another's", async () => {
      const alice = await userWithPasskey('alice')
      const bob = await userWithPasskey('bob')
      const ceremony = await beginPasskeyReauthentication(svc, alice.owner)
      assert.deepEqual(
        ceremony.options.allowCredentials?.map((c) => c.id),
        [alice.key.id],
        'only her passkeys are offered',
      )
      const response = alice.key.assert(ceremony.options)
      const input = { owner: alice.owner, challengeId: ceremony.challengeId, response, origin: {} }
      assert.deepEqual(await verifyPasskeyForUser(svc, input), { ok: true })
      assert.deepEqual(await verifyPasskeyForUser(svc, input), { ok: false, reason: 'challenge' })

      const forAlice = await beginPasskeyReauthentication(svc, alice.owner)
      const withBobs = await verifyPasskeyForUser(svc, {
        owner: alice.owner,
        challengeId: forAlice.challengeId,
        response: bob.key.assert(forAlice.options),
        origin: {},
      })
      assert.deepEqual(withBobs, { ok: false, reason: 'unknown_passkey' })

      const signIn = await beginPasskeySignIn(svc)
      const signInChallenge = await verifyPasskeyForUser(svc, {
        owner: alice.owner,
        challengeId: signIn.challengeId,
        response: alice.key.assert(signIn.options),
        origin: {},
      })
      assert.deepEqual(signInChallenge, { ok: false, reason: 'challenge' })
    })
  })
}
