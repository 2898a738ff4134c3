import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { en } from '../../src/i18n/en.js'
import { translator } from '../../src/i18n/translate.js'

const t = translator('en')

describe('translate: messages', () => {
  test('English is the default locale', () => {
    assert.equal(translator()('login.failed'), t('login.failed'))
  })

  test('a message without placeholders is returned as written', () => {
    assert.equal(t('login.failed'), 'Invalid username or password')
  })

  test('every message in the catalog is a non-empty string', () => {
    for (const [key, message] of Object.entries(en)) {
      assert.equal(typeof message, 'string', key)
      assert.ok(message.trim().length > 0, key)
    }
  })

  test('the too-common password message says it is too common', () => {
    assert.match(t('error.password_too_common'), /too common/)
  })
})

describe('translate: placeholders', () => {
  test('a string placeholder is filled', () => {
    assert.equal(t('home.signedInAs', { name: 'Alice' }), 'Signed in as Alice')
  })

  test('a number placeholder is filled', () => {
    assert.equal(
      t('error.password_too_short', { min: 12 }),
      'A password needs at least 12 characters.',
    )
  })

  test('a placeholder without a value is left as it is', () => {
    assert.equal(t('home.signedInAs'), 'Signed in as {name}')
  })

  test('a placeholder whose name is not among the values is left as it is', () => {
    assert.equal(t('home.signedInAs', { user: 'Alice' }), 'Signed in as {name}')
  })

  test('extra values are ignored', () => {
    assert.equal(t('home.signedInAs', { name: 'Alice', min: 8 }), 'Signed in as Alice')
  })

  test('an empty string fills a placeholder', () => {
    assert.equal(t('home.signedInAs', { name: '' }), 'Signed in as ')
  })

  test('replacement patterns in a value are taken literally', () => {
    assert.equal(t('home.signedInAs', { name: "$& $1 $$ $' $`" }), "Signed in as $& $1 $$ $' $`")
  })

  test('a value that looks like a placeholder is not filled again', () => {
    assert.equal(t('home.signedInAs', { name: '{name}' }), 'Signed in as {name}')
  })

  test('a value is returned unescaped, since views escape what they render', () => {
    assert.equal(t('home.signedInAs', { name: '<b>&</b>' }), 'Signed in as <b>&</b>')
  })

  test('a placeholder inside a longer message is filled', () => {
    const passwordHint = t('register.passwordHint', { min: 10 })
    assert.ok(passwordHint.includes('10'))
    assert.ok(!passwordHint.includes('{min}'))
  })
})
