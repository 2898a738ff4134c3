import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { registerAccount } from '../../src/auth/registration.js'
import { findConfusableNames } from '../../src/auth/confusable-names.js'
import { fillUsernameSkeletons } from '../../src/auth/fill-username-skeletons.js'
import { hashPassword } from '../../src/auth/passwords.js'
import { usernameSkeleton } from '../../src/auth/username-skeleton.js'
import { loadMigrations, migrate } from '../../src/db/migrate.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { accountServices } from '../helpers/accounts.js'
import { authenticate, underLease } from '../helpers/hash-lease.js'
import { insertUserRow } from '../helpers/sql.js'

// Migration 0009 and the fill at start-up: accounts made before the skeleton rule,
// some of them look-alikes of each other, are all kept and keep signing in; the
// earliest of a group holds the skeleton, the others stay NULL and are reported.

const FAST_HASH = { memoryCost: 8192, timeCost: 1, parallelism: 1 }
const POLICY = { passwordMinLength: 8, passwordHash: FAST_HASH }
const PASSWORD = 'a passphrase from before'
// alice, then "аlice" (Cyrillic а) and "alicе" (Cyrillic е), registered before 0009.
const OLD_NAMES = ['alice', 'bob', '\u0430lice', 'alic\u0435', 'carol']

for (const engine of engines) {
  describe(`username skeletons of existing accounts (${engine})`, () => {
    let t: TestDatabase
    before(async () => {
      t = await openTestDatabase(engine, { migrated: false })
      const migrations = await loadMigrations()
      await migrate(
        t.db,
        migrations.filter((m) => m.version < 9),
      )
      const hash = await hashPassword(PASSWORD, FAST_HASH)
      for (const name of OLD_NAMES) {
        await insertUserRow(t.db, { username: name, passwordHash: hash })
      }
      await migrate(t.db)
    })
    after(() => t?.close())

    test('the fill keeps every account: look-alikes of an earlier one stay NULL and are reported', async () => {
      const fill = await fillUsernameSkeletons(t.db)
      assert.equal(fill.filled, 3)
      assert.deepEqual(
        fill.lookAlikes.map((a) => a.username),
        ['\u0430lice', 'alic\u0435'],
      )
      const rows = await t.db.query<{ username: string; username_skeleton: string | null }>(
        'SELECT username, username_skeleton FROM users ORDER BY id',
      )
      assert.deepEqual(rows, [
        { username: 'alice', username_skeleton: 'alice' },
        { username: 'bob', username_skeleton: usernameSkeleton('bob') },
        { username: '\u0430lice', username_skeleton: null },
        { username: 'alic\u0435', username_skeleton: null },
        { username: 'carol', username_skeleton: usernameSkeleton('carol') },
      ])
      for (const username of OLD_NAMES) {
        const user = await authenticate(t.db, { username, password: PASSWORD }, { policy: POLICY })
        assert.equal(user?.username, username, `${username} still signs in`)
      }
    })

    test('a second fill (the next start) changes nothing and reports the same accounts', async () => {
      const fill = await fillUsernameSkeletons(t.db)
      assert.equal(fill.filled, 0)
      assert.equal(fill.lookAlikes.length, 2)
    })

    test('a new look-alike of the holder is refused', async () => {
      const result = await underLease((lease) =>
        registerAccount(
          accountServices(t.db, POLICY),
          { username: '\u0391lice', password: 'another long passphrase' },
          { now: new Date(), lease },
        ),
      )
      assert.ok(!result.ok)
      const cyrillic = await underLease((lease) =>
        registerAccount(
          accountServices(t.db, POLICY),
          { username: 'c\u0430rol', password: 'another long passphrase' },
          { now: new Date(), lease },
        ),
      )
      assert.deepEqual(cyrillic, {
        ok: false,
        errors: { username: 'username_taken', password: undefined },
      })
    })

    test('confusable-names groups the look-alikes under the holder and lists the mixed names', async () => {
      const found = await findConfusableNames(t.db)
      assert.equal(found.accounts, OLD_NAMES.length)
      assert.deepEqual(
        found.groups.map((g) => [g.holder?.username, g.lookAlikes.map((a) => a.username)]),
        [['alice', ['\u0430lice', 'alic\u0435']]],
      )
      assert.deepEqual(
        found.refused.map((r) => [r.username, r.code]),
        [
          ['\u0430lice', 'username_mixed_scripts'],
          ['alic\u0435', 'username_mixed_scripts'],
        ],
      )
    })

    test('a skeleton taken between the look-up and the write leaves that row NULL, not a failure', async () => {
      // An older instance (no skeletons) made "dave"; then "dаve"'s twin took its skeleton.
      await insertUserRow(t.db, { username: 'dave', passwordHash: 'x' })
      await insertUserRow(t.db, {
        username: 'd\u0430ve',
        passwordHash: 'x',
        usernameSkeleton: 'dave',
      })
      const fill = await fillUsernameSkeletons(t.db)
      assert.equal(fill.filled, 0)
      assert.ok(fill.lookAlikes.some((a) => a.username === 'dave'))
    })
  })
}
