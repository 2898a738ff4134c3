import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, before, describe, test } from 'node:test'
import { pino } from 'pino'
import { buildApp, loggerOptions } from '../../src/app.js'
import { hashPassword } from '../../src/auth/passwords.js'
import { insertUser } from '../../src/auth/users.js'
import { loadConfig } from '../../src/config.js'
import { TestClient } from '../helpers/client.js'
import { engines, openTestDatabase, type TestDatabase } from '../helpers/databases.js'
import { TEST_SECRET } from '../helpers/test-app.js'

// Review of issue 9: PGlite's errors carry the statement and its parameters (query,
// params, queryOptions), the wrapper passed them on, and the error handler logs
// `{ err }`: a failing password upgrade logged the old and the new argon2 hash, a
// failing session insert the session secret's hash. Logs never hold either.

const PASSWORD = 'an uncommon passphrase of theirs'
const ENV = { PASSWORD_HASH_MEMORY_KIB: '8192', PASSWORD_HASH_ITERATIONS: '1' }
const OLDER = { memoryCost: 8192, timeCost: 2, parallelism: 1 }

/** A trigger that refuses every `op` on `table`: the statement fails after its parameters are bound. */
const refuse = (table: string, op: 'INSERT' | 'UPDATE') => `
  CREATE FUNCTION refuse_${table}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
  CREATE TRIGGER refuse_${table} BEFORE ${op} ON ${table}
    FOR EACH ROW EXECUTE FUNCTION refuse_${table}();`

for (const engine of engines) {
  describe(`database errors in the log hold no hash (${engine})`, () => {
    const lines: string[] = []
    let database: TestDatabase
    let app: Awaited<ReturnType<typeof buildApp>>
    let oldHash: string
    before(async () => {
      database = await openTestDatabase(engine)
      oldHash = await hashPassword(PASSWORD, OLDER)
      const created = await insertUser(database.db, {
        username: 'upgrading',
        usernameKey: 'upgrading',
        passwordHash: oldHash,
        now: new Date(),
      })
      assert.ok(created.ok)
      const stream = new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk))
          done()
        },
      })
      const logger = pino(loggerOptions('info') as pino.LoggerOptions, stream)
      app = await buildApp({
        config: loadConfig(ENV),
        db: database.db,
        secret: TEST_SECRET,
        logger,
        cache: false,
      })
      await app.ready()
    })
    after(async () => {
      await app.close()
      await database.close()
    })

    const unexpectedErrors = () =>
      lines
        .map((line) => JSON.parse(line) as { msg?: string; err?: Record<string, unknown> })
        .filter((entry) => entry.msg === 'unexpected error')

    test('a failing password upgrade logs neither the old hash nor the new one', async () => {
      await database.db.exec(refuse('users', 'UPDATE'))
      lines.length = 0
      const response = await new TestClient(app).login('upgrading', PASSWORD)
      assert.equal(response.statusCode, 500)
      const errors = unexpectedErrors()
      assert.equal(errors.length, 1, 'the failure was logged')
      assert.match(String(errors[0]!.err?.message), /refused by the test/)
      const log = lines.join('')
      assert.ok(!log.includes(oldHash), 'the log holds the old hash')
      assert.ok(!log.includes('$argon2id$'), 'the log holds an argon2 hash')
    })

    test('a failing session insert logs no statement and no parameters', async () => {
      await database.db.exec(refuse('sessions', 'INSERT'))
      lines.length = 0
      const response = await new TestClient(app).register('newcomer', PASSWORD)
      assert.equal(response.statusCode, 500)
      const errors = unexpectedErrors()
      assert.equal(errors.length, 1, 'the failure was logged')
      const err = errors[0]!.err!
      for (const field of ['params', 'query', 'queryOptions']) {
        assert.ok(!(field in err) || err[field] === '[redacted]', `err.${field} is logged`)
      }
      const log = lines.join('')
      assert.ok(!log.includes('secret_hash'), 'the log holds the statement')
      assert.ok(!log.includes('$argon2id$'), 'the log holds an argon2 hash')
    })
  })
}
