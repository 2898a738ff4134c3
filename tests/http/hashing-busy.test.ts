import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { hiddenInputs, TestClient } from '../helpers/client.js'
import { message } from '../helpers/pages.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// A flood of sign-ins meets a bounded line of password hashes (PASSWORD_HASH_THREADS,
// 32 waiting per thread): the excess is answered 503 with Retry-After at once,
// without a stack trace, and the line is served.

const PASSWORD = 'a long and uncommon passphrase'
let t: TestApp

before(async () => {
  t = await startTestApp('pglite', {
    env: {
      PASSWORD_HASH_THREADS: '1',
      PASSWORD_HASH_MEMORY_KIB: '8192',
      PASSWORD_HASH_ITERATIONS: '1',
      RATE_LIMITS: 'off',
    },
  })
  assert.equal((await new TestClient(t.app).register('flooded', PASSWORD)).statusCode, 303)
})

after(() => t?.close())

test('sign-ins beyond the line of hashes get a 503 with Retry-After, the rest sign in', async () => {
  const client = new TestClient(t.app)
  const form = await client.get('/login')
  const fields = { ...hiddenInputs(form.body, '/login'), username: 'flooded', password: PASSWORD }
  const answers = await Promise.all(Array.from({ length: 45 }, () => client.post('/login', fields)))
  const busy = answers.filter((answer) => answer.statusCode === 503)
  const signedIn = answers.filter((answer) => answer.statusCode === 303)
  assert.equal(busy.length + signedIn.length, answers.length, 'only 303 or 503')
  assert.ok(busy.length >= 1, 'some are refused')
  assert.ok(signedIn.length >= 33, `the line is served: ${signedIn.length}`)
  for (const answer of busy) {
    assert.equal(answer.headers['retry-after'], '1')
    assert.equal(answer.body, message('http.busy'))
    assert.doesNotMatch(answer.body, /at .*\(|Error/)
  }
})
