import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { translator } from '../../src/i18n/translate.js'
import { LoginPage } from '../../src/views/login-page.js'
import { RegisterPage } from '../../src/views/register-page.js'
import { renderDocument } from '../../src/views/render.js'
import { hiddenInputs, TestClient } from '../helpers/client.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// The empty sign-in and registration forms are rendered once and kept as the text on
// either side of the token (src/http/blank-form.ts). Each visitor must still get
// exactly what a full render would give them, with their own token, and the cases
// that differ (a `next`, a signed-in visitor) must not get the kept page.

const PASSWORD = 'a long and uncommon passphrase'
let t: TestApp

before(async () => {
  t = await startTestApp('pglite', { env: { PASSWORD_MIN_LENGTH: '12' } })
})
after(() => t?.close())

const ctxFor = (csrfToken: string, path = '/login') => ({
  t: translator('en'),
  user: null,
  csrfToken,
  registrationOpen: true,
  path,
  now: new Date(),
})

test('each visitor gets the full render of the empty sign-in form, with a token of their own', async () => {
  const pages = []
  for (let visitor = 0; visitor < 3; visitor++) {
    const answer = await new TestClient(t.app).get('/login')
    assert.equal(answer.statusCode, 200)
    assert.equal(answer.headers['cache-control'], 'no-store')
    const token = hiddenInputs(answer.body, '/login')._csrf!
    const expected = renderDocument(
      <LoginPage ctx={ctxFor(token)} form={{ username: '', next: undefined, remember: false }} />,
    )
    assert.equal(answer.body, expected)
    pages.push({ token, body: answer.body })
  }
  assert.equal(new Set(pages.map((page) => page.token)).size, 3, 'three different tokens')
})

test('the empty registration form is the full render, with this app’s password length', async () => {
  const answer = await new TestClient(t.app).get('/register')
  const token = hiddenInputs(answer.body, '/register')._csrf!
  const expected = renderDocument(
    <RegisterPage
      ctx={ctxFor(token, '/register')}
      form={{ username: '', errors: {}, passwordMinLength: 12 }}
    />,
  )
  assert.equal(answer.body, expected)
  assert.match(answer.body, /12/)
})

test('each app keeps its own page: two apps with different password lengths in one process', async () => {
  const other = await startTestApp('pglite', { env: { PASSWORD_MIN_LENGTH: '9' } })
  try {
    for (const [app, length] of [
      [t.app, 12],
      [other.app, 9],
      [t.app, 12],
    ] as const) {
      const answer = await new TestClient(app).get('/register')
      const token = hiddenInputs(answer.body, '/register')._csrf!
      const expected = renderDocument(
        <RegisterPage
          ctx={ctxFor(token, '/register')}
          form={{ username: '', errors: {}, passwordMinLength: length }}
        />,
      )
      assert.equal(answer.body, expected)
    }
  } finally {
    await other.close()
  }
})

test('a kept page’s token signs in, and only for the visitor who loaded it', async () => {
  const visitor = new TestClient(t.app)
  assert.equal((await visitor.register('keptpage', PASSWORD)).statusCode, 303)
  const signedOut = new TestClient(t.app)
  const form = await signedOut.get('/login')
  const fields = { ...hiddenInputs(form.body, '/login'), username: 'keptpage', password: PASSWORD }
  const stranger = new TestClient(t.app)
  await stranger.get('/login') // a secret of its own
  assert.equal((await stranger.post('/login', fields)).statusCode, 403)
  assert.equal((await signedOut.post('/login', fields)).statusCode, 303)
})

test('a sign-in form with `next`, or seen by a signed-in visitor, is rendered for them', async () => {
  const withNext = await new TestClient(t.app).get('/login?next=%2Faccount')
  assert.match(withNext.body, /name="next" value="\/account"/)

  const member = new TestClient(t.app)
  assert.equal((await member.register('signedinvisitor', PASSWORD)).statusCode, 303)
  const page = await member.get('/login')
  assert.equal(page.statusCode, 200)
  assert.match(page.body, /action="\/logout"/, 'the header of a signed-in visitor')
  assert.doesNotMatch(page.body, /<li><a href="\/register">/)
})
