import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { TestClient } from '../helpers/client.js'
import { engines } from '../helpers/databases.js'
import { fieldError, message } from '../helpers/pages.js'
import { userCount } from '../helpers/sql.js'
import { startTestApp, type TestApp } from '../helpers/test-app.js'

// Security finding 5: with "alice" registered, "аlice" (Cyrillic а) and "alicе"
// (Cyrillic е) were each registered too, and "a" under 31 stacked accents was a name.

const PASSWORD = 'a long and uncommon passphrase'

for (const engine of engines) {
  describe(`look-alike names (${engine})`, () => {
    let t: TestApp
    before(async () => {
      t = await startTestApp(engine)
      assert.equal((await new TestClient(t.app).register('alice', PASSWORD)).statusCode, 303)
    })
    after(() => t.close())

    test('a name that looks like "alice" is taken (409), whatever letters make it up', async () => {
      // Cyrillic а; Cyrillic е; whole-word Cyrillic "аlісе" is refused as mixed, so
      // the skeleton is what refuses these: "ΑLICE" (Greek Α) and full-width Ａ too.
      for (const name of ['\u0430lice', 'alic\u0435', 'ALICE', 'Ａlice']) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 409, JSON.stringify(name))
        assert.equal(fieldError(response.body, 'username'), message('error.username_taken'))
      }
      assert.equal(await userCount(t.db), 1, 'only alice exists')
    })

    test('a whole-script look-alike of a taken name is taken: Cyrillic "асе" beside "ace"', async () => {
      assert.equal((await new TestClient(t.app).register('ace', PASSWORD)).statusCode, 303)
      const response = await new TestClient(t.app).register('\u0430\u0441\u0435', PASSWORD)
      assert.equal(response.statusCode, 409)
    })

    test('"a" under 31 combining marks is refused (400)', async () => {
      const marks = Array.from({ length: 31 }, (_, i) => String.fromCodePoint(0x300 + i)).join('')
      for (const name of [
        'a' + marks,
        'a' + '\u0301'.repeat(31),
        'ab' + '\u0300\u0301\u0302\u0303\u0304',
      ]) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 400, JSON.stringify(name))
        assert.equal(fieldError(response.body, 'username'), message('error.username_stacked_marks'))
      }
    })

    test('a name mixing Latin and Cyrillic is refused (400) even with no name like it', async () => {
      for (const name of ['p\u0430ypal', 'm\u0438ke', 'Дмитрий_d']) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 400, JSON.stringify(name))
        assert.equal(fieldError(response.body, 'username'), message('error.username_mixed_scripts'))
      }
    })

    test('real names in many scripts are accepted', async () => {
      for (const name of [
        '张三',
        'Nguyễn',
        'नमस्ते',
        'user_01',
        '田中さくら',
        'สมชาย',
        '김철수',
        'Дмитрий',
        'Ελένη',
        'محمد',
        'José.García',
        'Tokyo東京',
        'བསྒྲུབས',
      ]) {
        const response = await new TestClient(t.app).register(name, PASSWORD)
        assert.equal(response.statusCode, 303, `${name}: ${response.statusCode}`)
      }
    })
  })
}
