import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { chooseLocale, localeFromAcceptLanguage } from '../../src/i18n/negotiate.js'
import { LOCALES, type Locale } from '../../src/i18n/translate.js'

// Which language a request gets (src/i18n/negotiate.ts), one test per row: the `lang`
// cookie wins; else Accept-Language by quality (RFC 9110 §12.5.4); else English. Every
// Chinese tag means the Simplified Chinese catalog. Written for Logon with both
// catalogs: until src/i18n/zh-CN.ts lands, LOCALES is ['en'] and every row expecting
// 'zh-CN' fails (the first test says why).

const fromHeader = (acceptLanguage: string | undefined): Locale =>
  chooseLocale({ cookie: undefined, acceptLanguage })

test('LOCALES holds English and Simplified Chinese, English first', () => {
  assert.deepEqual(LOCALES, ['en', 'zh-CN'], 'the zh-CN catalog is not in src/i18n/translate.ts')
})

describe('Accept-Language alone', () => {
  const rows: Array<[name: string, header: string | undefined, expected: Locale]> = [
    ['no header → en', undefined, 'en'],
    ['an empty header → en', '', 'en'],
    ['zh → zh-CN', 'zh', 'zh-CN'],
    ['zh-CN → zh-CN', 'zh-CN', 'zh-CN'],
    ['zh-Hans → zh-CN', 'zh-Hans', 'zh-CN'],
    ['zh-SG → zh-CN', 'zh-SG', 'zh-CN'],
    // No Traditional catalog: its readers read Simplified far better than English.
    // Acceptable until a zh-TW/zh-Hant catalog exists; then these three rows change.
    ['zh-TW → zh-CN (until a Traditional catalog)', 'zh-TW', 'zh-CN'],
    ['zh-Hant → zh-CN (until a Traditional catalog)', 'zh-Hant', 'zh-CN'],
    ['zh-Hant-TW → zh-CN (until a Traditional catalog)', 'zh-Hant-TW', 'zh-CN'],
    ['tags are case-insensitive: ZH-cn → zh-CN', 'ZH-cn', 'zh-CN'],
    ['en-GB → en', 'en-GB', 'en'],
    ['fr → en (a language Logon does not speak)', 'fr', 'en'],
    ['fr, zh;q=0.5 → zh-CN (the best one Logon speaks)', 'fr, zh;q=0.5', 'zh-CN'],
    ['en;q=0.8, zh-CN → zh-CN (by quality, not by order)', 'en;q=0.8, zh-CN', 'zh-CN'],
    ['zh;q=0, en → en (q=0 refuses)', 'zh;q=0, en', 'en'],
    ['zh;q=0 → en (refused, nothing else asked: the default)', 'zh;q=0', 'en'],
    ['* → en', '*', 'en'],
    ['fr, *;q=0.1 → en', 'fr, *;q=0.1', 'en'],
    ['* is a language not named otherwise: en;q=0, * → zh-CN', 'en;q=0, *', 'zh-CN'],
    ['* below a named one: zh;q=0.5, * → en (* at 1 is any other)', 'zh;q=0.5, *', 'en'],
    ['a quality tie keeps the earlier: en, zh → en', 'en, zh', 'en'],
    ['a quality tie keeps the earlier: zh, en → zh-CN', 'zh, en', 'zh-CN'],
    [
      'a quality tie keeps the earlier: zh-CN;q=0.7, en;q=0.7 → zh-CN',
      'zh-CN;q=0.7, en;q=0.7',
      'zh-CN',
    ],
    [
      'spaces and an upper-case Q: zh-CN ; Q=0.9 , en;q=0.5 → zh-CN',
      'zh-CN ; Q=0.9 , en;q=0.5',
      'zh-CN',
    ],
    ['zh;q=abc is skipped → en', 'zh;q=abc', 'en'],
    ['en;q=abc is skipped, zh;q=0.5 counts → zh-CN', 'en;q=abc, zh;q=0.5', 'zh-CN'],
    [';;; is skipped → en', ';;;', 'en'],
    [',,, ;q=1, zh → zh-CN (empty parts skipped)', ',,, ;q=1, zh', 'zh-CN'],
    ['q>1 is skipped: zh;q=2, en;q=0.5 → en', 'zh;q=2, en;q=0.5', 'en'],
    ['q>1 is skipped: en;q=1.5, zh;q=0.1 → zh-CN', 'en;q=1.5, zh;q=0.1', 'zh-CN'],
    ['a negative q is skipped: en;q=-1, zh;q=0.2 → zh-CN', 'en;q=-1, zh;q=0.2', 'zh-CN'],
    ['an empty q is skipped, not a refusal: zh;q=, en;q=0.5 → en', 'zh;q=, en;q=0.5', 'en'],
    ['q=0x1 is no qvalue: zh;q=0x1, en;q=0.5 → en', 'zh;q=0x1, en;q=0.5', 'en'],
    [
      'more than 3 decimals is no qvalue: zh;q=0.1234, en;q=0.5 → en',
      'zh;q=0.1234, en;q=0.5',
      'en',
    ],
    ['spaces around = are malformed: zh; q = 0.5, en;q=0.4 → en', 'zh; q = 0.5, en;q=0.4', 'en'],
    ['refusing zh-CN is not undone by zh-TW: zh-TW, zh-CN;q=0 → en', 'zh-TW, zh-CN;q=0', 'en'],
    [
      'refusing zh-TW is no refusal of zh-CN: zh-TW;q=0, zh-CN;q=0.5 → zh-CN',
      'zh-TW;q=0, zh-CN;q=0.5',
      'zh-CN',
    ],
  ]
  for (const [name, header, expected] of rows) {
    test(name, () => {
      assert.equal(fromHeader(header), expected)
    })
  }
})

describe('malformed and very long headers: no error, nothing invented', () => {
  test('localeFromAcceptLanguage gives undefined, not a throw, for headers naming nothing it speaks', () => {
    for (const header of [undefined, '', ';;;', 'zh;q=abc', 'zh;q=2', 'zh;q=0', 'fr, de;q=0.5']) {
      assert.equal(localeFromAcceptLanguage(header), undefined, JSON.stringify(header))
    }
  })

  test('a header of 100 000 characters of junk → en, without an error', () => {
    assert.equal(fromHeader('x;q=0.5;;,'.repeat(10_000)), 'en')
    assert.equal(fromHeader('é'.repeat(100_000)), 'en')
    assert.equal(fromHeader(`${'q='.repeat(50_000)};q=1`), 'en')
  })

  test('a very long header still counts the languages at its start: zh-CN, then junk → zh-CN', () => {
    assert.equal(fromHeader(`zh-CN, ${'x-'.repeat(50_000)}`), 'zh-CN')
  })

  test('a header cut at its length limit drops its cut last part: zh-CN;q=0.8 does not become zh', () => {
    const padding = `${'x-yy;q=0.1, '.repeat(84)}ab, ` // 1012 characters
    const header = `${padding}en;q=0.5, zh-CN;q=0.8`
    assert.equal(header.slice(0, 1024).slice(-4), ', zh', 'the cut leaves a bare "zh"')
    assert.equal(fromHeader(header), 'en', 'the "zh" left by the cut is not read as q=1')
  })
})

describe('the lang cookie', () => {
  test('a lang cookie of zh-CN beats Accept-Language: en', () => {
    assert.equal(chooseLocale({ cookie: 'zh-CN', acceptLanguage: 'en' }), 'zh-CN')
  })

  test('a lang cookie of en beats Accept-Language: zh', () => {
    assert.equal(chooseLocale({ cookie: 'en', acceptLanguage: 'zh' }), 'en')
  })

  test('a lang cookie of zh-CN beats no Accept-Language at all', () => {
    assert.equal(chooseLocale({ cookie: 'zh-CN', acceptLanguage: undefined }), 'zh-CN')
  })

  // Decided: the cookie must be a locale exactly as LOCALES spells it. Only the
  // switcher sets it (GET /language/:locale, with LOCALES' own spelling), so any other
  // value was not set by Logon and is ignored, not guessed at: the header decides.
  const unknown: Array<[name: string, cookie: string]> = [
    ['an unknown lang cookie (xx) falls back to the header', 'xx'],
    ['a lower-case lang cookie (zh-cn) is not zh-CN: it falls back to the header', 'zh-cn'],
    ['a bare lang cookie (zh) falls back to the header', 'zh'],
    ['an empty lang cookie falls back to the header', ''],
  ]
  for (const [name, cookie] of unknown) {
    test(name, () => {
      assert.equal(chooseLocale({ cookie, acceptLanguage: 'zh-CN' }), 'zh-CN')
      assert.equal(chooseLocale({ cookie, acceptLanguage: 'en' }), 'en')
      assert.equal(chooseLocale({ cookie, acceptLanguage: undefined }), 'en')
    })
  }
})
