import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import {
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
  checkUsername,
  usernameKey,
} from '../../src/auth/usernames.js'

// docs/contract.md: 2 to 32 code points after NFKC of letters of any script, digits, "_",
// "-" and "."; compared after NFKC and full case folding; shown as first typed.

/** The comparison key of a name that must be accepted. */
function keyOf(name: string): string {
  const result = checkUsername(name)
  assert.ok(result.ok, `${JSON.stringify(name)} should be accepted, got ${JSON.stringify(result)}`)
  return result.key
}

const NFC_CAFE = 'caf\u00e9'
const NFD_CAFE = 'cafe\u0301'

describe('usernames: comparison key (NFKC + full case folding)', () => {
  const sameNames: [string, string, string][] = [
    ['Alice', 'alice', 'upper and lower case'],
    ['ALICE', 'alice', 'all capitals'],
    ['Straße', 'STRASSE', 'sharp s and its capital spelling SS'],
    ['Straße', 'strasse', 'sharp s and ss'],
    ['STRASSE', 'strasse', 'SS and ss'],
    ['Ａｌｉｃｅ', 'alice', 'full-width and ASCII letters'],
    ['ａｌｉｃｅ１２', 'ALICE12', 'full-width digits and ASCII digits'],
    [NFC_CAFE, NFD_CAFE, 'composed and decomposed é'],
    ['Caf\u00c9', NFD_CAFE, 'composed É and decomposed é'],
    ['\ufb01sh', 'fish', 'the fi ligature and f i'],
    ['\u212aate', 'kate', 'the Kelvin sign and K'],
    ['ΟΔΟΣ', 'οδος', 'Greek capitals and small letters with final sigma'],
    ['οδοσ', 'οδος', 'Greek medial and final sigma'],
    ['\u01c5emal', 'džemal', 'the title-case digraph Dž and dž'],
    ['ДМИТРИЙ', 'дмитрий', 'Cyrillic capitals and small letters'],
  ]
  for (const [a, b, why] of sameNames) {
    test(`${JSON.stringify(a)} and ${JSON.stringify(b)} are the same name (${why})`, () => {
      assert.equal(keyOf(a), keyOf(b))
    })
  }

  // Bug: String#toUpperCase leaves U+1E9E (capital sharp s) alone and toLowerCase
  // turns it into "ß", so "STRAẞE" gets the key "straße" instead of "strasse".
  test('"STRAẞE" with the capital sharp s U+1E9E is the same name as "strasse" (regression)', () => {
    assert.equal(keyOf('STRA\u1e9eE'), keyOf('strasse'))
    assert.equal(keyOf('STRA\u1e9eE'), keyOf('Straße'))
  })

  const differentNames: [string, string][] = [
    ['alice', 'alice2'],
    ['anna', 'anne'],
    ['a.b', 'a_b'],
    ['a-b', 'a.b'],
    ['resume', 'résumé'],
    ['张三', '张四'],
    ['नमस्ते', 'नमस्त'],
  ]
  for (const [a, b] of differentNames) {
    test(`${JSON.stringify(a)} and ${JSON.stringify(b)} are different names`, () => {
      assert.notEqual(keyOf(a), keyOf(b))
    })
  }

  test('the key of "Alice" is "alice" and of "Straße" is "strasse"', () => {
    assert.equal(keyOf('Alice'), 'alice')
    assert.equal(keyOf('Straße'), 'strasse')
    assert.equal(keyOf('Ａｌｉｃｅ'), 'alice')
  })

  test('the key checkUsername returns is the one usernameKey computes', () => {
    for (const name of ['Alice', 'Straße', 'Ａｌｉｃｅ', '张三', 'नमस्ते', NFD_CAFE]) {
      assert.equal(keyOf(name), usernameKey(name), name)
    }
  })

  test('computing the key of a key changes nothing', () => {
    for (const name of [
      'Alice',
      'Straße',
      'Ａｌｉｃｅ',
      'ΟΔΟΣ',
      '\u01c5emal',
      NFD_CAFE,
      '\ufb01sh',
    ]) {
      const key = usernameKey(name)
      assert.equal(usernameKey(key), key, name)
    }
  })
})

describe('usernames: accepted names', () => {
  const accepted: [string, string][] = [
    ['alice', 'ASCII letters'],
    ['alice_01', 'letters, digits and an underscore'],
    ['a-b.c', 'a hyphen and a dot'],
    ['12345', 'only digits'],
    ['张三', 'Chinese'],
    ['नमस्ते', 'Devanagari with combining marks'],
    ['தமிழ்', 'Tamil with a virama'],
    ['สมชาย', 'Thai'],
    ['김철수', 'Korean'],
    ['さくら', 'Japanese'],
    ['Ελένη', 'Greek'],
    ['Дмитрий', 'Cyrillic'],
    ['محمد', 'Arabic'],
    ['José', 'Latin with an accent'],
    ['٣٤', 'Arabic-Indic digits'],
  ]
  for (const [name, why] of accepted) {
    test(`${JSON.stringify(name)} is accepted (${why})`, () => {
      const result = checkUsername(name)
      assert.ok(result.ok, JSON.stringify(result))
      assert.equal(result.username, name)
    })
  }
})

describe('usernames: length in code points after NFKC', () => {
  test('the limits are 2 and 32', () => {
    assert.equal(USERNAME_MIN_LENGTH, 2)
    assert.equal(USERNAME_MAX_LENGTH, 32)
  })

  const accepted: [string, string][] = [
    ['ab', '2 ASCII letters'],
    ['a'.repeat(32), '32 ASCII letters'],
    ['张三', '2 Chinese characters'],
    ['\u{20bb7}'.repeat(2), '2 astral letters (4 UTF-16 units)'],
    ['\u{20bb7}'.repeat(32), '32 astral letters (64 UTF-16 units)'],
    ['e\u0301'.repeat(32), '64 code points typed that NFKC composes into 32'],
    ['\ufb03'.repeat(10), '10 ffi ligatures that NFKC expands into 30 letters'],
    ['Ａｂ', '2 full-width letters'],
  ]
  for (const [name, why] of accepted) {
    test(`a name of ${why} is accepted`, () => {
      assert.equal(checkUsername(name).ok, true)
    })
  }

  const refused: [string, string][] = [
    ['a', '1 ASCII letter'],
    ['张', '1 Chinese character'],
    ['\u{20bb7}', '1 astral letter (2 UTF-16 units)'],
    ['a'.repeat(33), '33 ASCII letters'],
    ['\u{20bb7}'.repeat(33), '33 astral letters'],
    ['\u00e9'.repeat(33), '33 composed letters'],
    ['e\u0301'.repeat(33), '33 letters typed decomposed'],
    ['\ufb03'.repeat(11), '11 ffi ligatures that NFKC expands into 33 letters'],
    ['a'.repeat(100_000), '100,000 letters'],
  ]
  for (const [name, why] of refused) {
    test(`a name of ${why} is refused as the wrong length`, () => {
      assert.deepEqual(checkUsername(name), { ok: false, code: 'username_length' })
    })
  }

  test('an empty or blank name is refused as missing', () => {
    for (const name of ['', '   ', '\t\n', '\u3000']) {
      assert.deepEqual(checkUsername(name), { ok: false, code: 'username_missing' }, name)
    }
  })
})

describe('usernames: refused characters', () => {
  const refused: [string, string][] = [
    ['ali ce', 'a space inside'],
    ['ali\u3000ce', 'an ideographic space inside'],
    ['ali\u00a0ce', 'a no-break space inside'],
    ['<script>', 'angle brackets'],
    ['<b>hi</b>', 'HTML'],
    ['a@b', 'an at sign'],
    ['alice@example.com', 'an e-mail address'],
    ['a\u0000b', 'a NUL character'],
    ['a\tb', 'a tab inside'],
    ['a\nb', 'a line feed inside'],
    ['a\u007fb', 'DEL'],
    ['a\u0085b', 'a C1 control character'],
    ['a\u200db', 'a zero-width joiner'],
    ['a\u200cb', 'a zero-width non-joiner'],
    ['a\u200bb', 'a zero-width space'],
    ['a\ufeffb', 'a byte-order mark inside'],
    ['a\u202eb', 'a right-to-left override'],
    ['...', 'only dots'],
    ['__', 'only underscores'],
    ['-.-_', 'only punctuation'],
    ['\u0301\u0301', 'only combining marks'],
    ['\u0301ab', 'a leading combining mark'],
    ['\u{1f600}\u{1f600}', 'emoji'],
    ['ab\u{1f600}', 'a trailing emoji'],
    ['a/b', 'a slash'],
    ['a\\b', 'a backslash'],
    ["o'brien", 'an apostrophe'],
    ['a"b', 'a double quote'],
    ['a&b', 'an ampersand'],
    ['a+b', 'a plus sign'],
    ['a%b', 'a percent sign'],
  ]
  for (const [name, why] of refused) {
    test(`a name with ${why} is refused for its characters`, () => {
      assert.deepEqual(checkUsername(name), { ok: false, code: 'username_characters' })
    })
  }
})

describe('usernames: the shown name', () => {
  const shown: [string, string, string][] = [
    ['Alice', 'Alice', 'keeps its case'],
    ['  Alice  ', 'Alice', 'loses surrounding spaces'],
    ['\tBob\n', 'Bob', 'loses a surrounding tab and line feed'],
    ['Ａｌｉｃｅ', 'Ａｌｉｃｅ', 'stays full-width as typed'],
    ['Straße', 'Straße', 'keeps its sharp s'],
    [NFD_CAFE, NFD_CAFE, 'keeps the form it was typed in'],
  ]
  for (const [typed, expected, why] of shown) {
    test(`the name shown for ${JSON.stringify(typed)} ${why}`, () => {
      const result = checkUsername(typed)
      assert.ok(result.ok, JSON.stringify(result))
      assert.equal(result.username, expected)
    })
  }
})
