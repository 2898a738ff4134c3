import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { en, type MessageKey } from '../../src/i18n/en.js'
import { LOCALES, translator } from '../../src/i18n/translate.js'
import { zhCN } from '../../src/i18n/zh-CN.js'

// Every language says every message, with the same {placeholders} as English: a
// placeholder one language lacks drops a value (a wait, a name) from its page, and
// one English lacks is shown to the reader as "{name}". The type makes a missing key
// a compile error; these tests hold when the catalogs are read as plain data too.

const catalogs: Record<string, Record<string, string>> = { 'zh-CN': zhCN }

// Messages that are the same in every language, and why.
const SAME_IN_EVERY_LANGUAGE = new Set<MessageKey>([
  'app.name', // the brand, "Logon"
  'health.alive', // "ok": read by probes, not people
  'health.ready', // "ready": likewise
])

const placeholders = (message: string) =>
  [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()

test('every language with a catalog is offered, English first', () => {
  assert.deepEqual(LOCALES, ['en', 'zh-CN'])
})

for (const [locale, catalog] of Object.entries(catalogs)) {
  describe(`the ${locale} catalog`, () => {
    test('has every key of English, and no other', () => {
      assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort())
    })

    test('has the same placeholders as English in each message', () => {
      for (const [key, english] of Object.entries(en)) {
        assert.deepEqual(placeholders(catalog[key] ?? ''), placeholders(english), key)
      }
    })

    test('says every message in its own words, but the brand and machine words', () => {
      for (const [key, english] of Object.entries(en) as Array<[MessageKey, string]>) {
        if (SAME_IN_EVERY_LANGUAGE.has(key)) {
          assert.equal(catalog[key], english, `${key} is the same everywhere`)
        } else {
          assert.notEqual(catalog[key], english, `${key} is still English`)
        }
      }
    })

    test('is what the translator of the language gives', () => {
      const t = translator(locale as (typeof LOCALES)[number])
      assert.equal(t.locale, locale)
      for (const key of Object.keys(en) as MessageKey[]) assert.equal(t(key), catalog[key], key)
    })

    test('has each plural form the language uses; a form it does not use repeats .other', () => {
      const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories
      for (const key of Object.keys(en).filter((key) => key.endsWith('.other'))) {
        const one = catalog[key.replace(/\.other$/, '.one')]
        if (!categories.includes('one')) assert.equal(one, catalog[key], key)
      }
    })
  })
}

describe('the zh-CN catalog punctuates as Chinese does', () => {
  test('no ASCII comma, colon, semicolon, question or exclamation mark, or parenthesis', () => {
    for (const [key, message] of Object.entries(zhCN)) {
      if (SAME_IN_EVERY_LANGUAGE.has(key as MessageKey)) continue
      assert.doesNotMatch(message, /[,:;?!()]/, key)
    }
  })

  test('a sentence ends with 。, not "." (a quoted “.” is the character itself)', () => {
    for (const [key, message] of Object.entries(zhCN)) {
      assert.doesNotMatch(message, /[^“]\.|\.[^”]/, key)
    }
  })

  test('the security events are named in one style: what happened, with no 了', () => {
    for (const [key, message] of Object.entries(zhCN)) {
      if (key.startsWith('event.')) assert.doesNotMatch(message, /了/, key)
    }
  })

  test('quotation marks are “ ”, not "', () => {
    for (const [key, message] of Object.entries(zhCN)) {
      assert.ok(!message.includes('"'), key)
    }
  })
})
