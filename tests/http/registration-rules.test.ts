import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import type { MessageKey } from '../../src/i18n/translate.js'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { fieldError, message, signedInAs } from '../helpers/pages.js'
import { userCount, userRow } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

const PASSWORD = 'a long and uncommon passphrase'

for (const engine of engines) {
  describe(`registration rules (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine)
    })
    after(() => t.close())

    const invalid: Array<{
      name: string
      username: string
      password: string
      field: string
      error: MessageKey
    }> = [
      {
        name: 'a one-character name',
        username: 'a',
        password: PASSWORD,
        field: 'username',
        error: 'error.username_length',
      },
      {
        name: 'a 33-character name',
        username: 'x'.repeat(33),
        password: PASSWORD,
        field: 'username',
        error: 'error.username_length',
      },
      {
        name: 'a name with a space',
        username: 'two words',
        password: PASSWORD,
        field: 'username',
        error: 'error.username_characters',
      },
      {
        name: 'a name with markup',
        username: '<b>x</b>',
        password: PASSWORD,
        field: 'username',
        error: 'error.username_characters',
      },
      {
        name: 'an empty name',
        username: '',
        password: PASSWORD,
        field: 'username',
        error: 'error.username_missing',
      },
      {
        name: 'a 7-character password',
        username: 'dora',
        password: 'abcdefg',
        field: 'password',
        error: 'error.password_too_short',
      },
      {
        name: 'a common password',
        username: 'dora',
        password: 'password123',
        field: 'password',
        error: 'error.password_too_common',
      },
      {
        name: 'a 1025-character password',
        username: 'dora',
        password: 'p'.repeat(1025),
        field: 'password',
        error: 'error.password_too_long',
      },
    ]
    for (const c of invalid) {
      test(`${c.name} gets 400 with the message next to its field and the name kept`, async () => {
        const response = await new TestClient(t.app).register(c.username, c.password)
        assert.equal(response.statusCode, 400)
        assert.equal(fieldError(response.body, c.field), message(c.error, { min: 8 }))
        assert.match(response.body, new RegExp(`aria-describedby="${c.field}-error`))
        if (c.username) {
          const escaped = c.username
            .replace(/&/g, '&amp;')
            .replace(/</g, '&lt;')
            .replace(/"/g, '&quot;')
          assert.ok(
            response.body.includes(`value="${escaped}"`),
            'the typed username is kept, escaped',
          )
          assert.ok(!response.body.includes('<b>x</b>'), 'markup in a name is never raw HTML')
        }
        assert.ok(
          !response.body.includes(c.password) || c.password.length < 8,
          'the password is not echoed',
        )
        assert.equal(await userCount(t.db), 0, 'nothing was stored')
      })
    }

    test('a bad name and a bad password are both named in one answer', async () => {
      const response = await new TestClient(t.app).register('x', 'password123')
      assert.equal(response.statusCode, 400)
      assert.equal(fieldError(response.body, 'username'), message('error.username_length'))
      assert.equal(fieldError(response.body, 'password'), message('error.password_too_common'))
    })

    test('names from the contract register: 张三, Straße, a 32-character name', async () => {
      for (const name of ['张三', 'Straße', 'n'.repeat(32), 'नमस्ते', 'a_b-c.d']) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 303, name)
      }
      const home = await new TestClient(t.app).login('张三', PASSWORD).then(async (r) => r)
      assert.equal(home.statusCode, 303)
    })

    test('a name taken after NFKC and case folding gets 409 with the form again', async () => {
      for (const taken of ['STRASSE', 'strasse', 'ＳＴＲＡＳＳＥ']) {
        const response = await new TestClient(t.app).register(taken, PASSWORD)
        assert.equal(response.statusCode, 409, taken)
        assert.equal(fieldError(response.body, 'username'), message('error.username_taken'))
        assert.ok(response.body.includes(`value="${taken}"`))
      }
      assert.equal((await userRow(t.db, 'strasse'))?.username, 'Straße', 'the first one keeps it')
    })

    test('sign-in folds the name too: STRASSE signs in as Straße', async () => {
      const client = new TestClient(t.app)
      assert.equal((await client.login('STRASSE', PASSWORD)).statusCode, 303)
      assert.equal(signedInAs((await client.get('/')).body), 'Straße')
    })

    test('a password is stored NFKC-normalised: the full-width form of a password signs in', async () => {
      await new TestClient(t.app).register('wide', 'Ｐａｓｓ ｐｈｒａｓｅ ９９')
      const response = await new TestClient(t.app).login('wide', 'Pass phrase 99')
      assert.equal(response.statusCode, 303)
    })

    test('PASSWORD_MIN_LENGTH raises the minimum', async () => {
      const strict = await startTestApp(engine, { env: { PASSWORD_MIN_LENGTH: '16' } })
      try {
        const short = await new TestClient(strict.app).register('erin', 'fifteen chars!!')
        assert.equal(short.statusCode, 400)
        assert.equal(
          fieldError(short.body, 'password'),
          message('error.password_too_short', { min: 16 }),
        )
        const long = await new TestClient(strict.app).register('erin', 'sixteen chars!!!')
        assert.equal(long.statusCode, 303)
      } finally {
        await strict.close()
      }
    })

    test('parallel registrations of one name: exactly one wins, the rest get 409, never a 5xx', async () => {
      // From addresses of their own: one address may hold only a share of the hashes.
      const clients = Array.from(
        { length: 8 },
        (_, i) => new TestClient(t.app, {}, { remoteAddress: `192.0.2.${100 + i}` }),
      )
      const pages = await Promise.all(clients.map((c) => c.get('/register')))
      const responses = await Promise.all(
        clients.map((c, i) => {
          const token = /name="_csrf" value="([^"]+)"/.exec(pages[i]!.body)![1]!
          return c.post('/register', {
            _csrf: token,
            username: i % 2 ? 'Racer' : 'racer',
            password: PASSWORD,
          })
        }),
      )
      const codes = responses.map((r) => r.statusCode).sort()
      assert.deepEqual(codes, [303, 409, 409, 409, 409, 409, 409, 409])
      assert.ok(await userRow(t.db, 'racer'), 'the winner')
    })
  })
}
