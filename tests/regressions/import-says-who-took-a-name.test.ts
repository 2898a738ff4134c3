import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { registerAccount } from '../../src/auth/registration.js'
import { importLegacyUsers } from '../../src/legacy-import/import-users.js'
import type { ImportReport } from '../../src/legacy-import/report.js'
import { formatImportReport } from '../../src/cli/import-legacy-report.js'
import { underLease } from '../helpers/hash-lease.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { arraySource } from '../helpers/legacy-logins.js'
import { accountServices } from '../helpers/accounts.js'

// Finding 7, first half: the import called a name someone had registered in Logon
// "already_exists", the word it also used for a name it had imported on an earlier
// run; and it imported a look-alike of a registered name as a new account.

const FAST_HASH = { memoryCost: 8192, timeCost: 1, parallelism: 1 }
const OPTIONS = { passwordMinLength: 8, passwordHash: FAST_HASH, concurrency: 2 }

const ROWS = [
  { username: 'bob', password: 'pw-bob-7Hq2xLm' },
  { username: 'ace', password: 'pw-ace-Lm4Ty8' },
  { username: 'dora', password: 'pw-dora-Vb6Kw1' },
]

function reasons(report: ImportReport): Record<string, string> {
  return Object.fromEntries(
    Object.entries(report.skipped).flatMap(([reason, { names }]) =>
      names.map((skipped) => [skipped.username ?? '', reason]),
    ),
  )
}

for (const engine of engines) {
  describe(`the import says who took a name (${engine})`, () => {
    let t: TestDatabase
    before(async () => {
      t = await openTestDatabase(engine)
      for (const username of ['BOB', '\u0430\u0441\u0435']) {
        // "асе" in Cyrillic letters: one script, and it looks like "ace".
        const registered = await underLease((lease) =>
          registerAccount(
            accountServices(t.db, { passwordMinLength: 8, passwordHash: FAST_HASH }),
            { username, password: 'a passphrase of the new app' },
            { now: new Date(), lease },
          ),
        )
        assert.ok(registered.ok, username)
      }
    })
    after(() => t?.close())

    test('names registered in Logon, or looking like one, are taken by another account', async () => {
      const report = await importLegacyUsers(t.db, arraySource(ROWS), OPTIONS)
      assert.equal(report.imported, 1)
      assert.deepEqual(reasons(report), {
        bob: 'taken_by_another_account',
        ace: 'taken_by_another_account',
      })
      const ace = report.skipped.taken_by_another_account.names.find((s) => s.username === 'ace')
      assert.equal(ace?.takenBy, '\u0430\u0441\u0435', 'the report names the account that has it')
      const text = formatImportReport(report)
      assert.match(text, /^ {2}"bob" {2}taken_by_another_account: /m)
      assert.match(text, /^ {2}"ace" {2}taken_by_another_account: .*"асе" looks the same/m)
    })

    test('a second run reports what the first imported as imported earlier', async () => {
      const report = await importLegacyUsers(t.db, arraySource(ROWS), OPTIONS)
      assert.equal(report.imported, 0)
      assert.deepEqual(reasons(report), {
        bob: 'taken_by_another_account',
        ace: 'taken_by_another_account',
        dora: 'imported_earlier',
      })
      const [dora] = await t.db.query<{ imported: boolean }>(
        "SELECT imported_at IS NOT NULL AS imported FROM users WHERE username_key = 'dora'",
      )
      assert.equal(dora?.imported, true)
    })
  })
}
