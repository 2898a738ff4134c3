// Usernames (docs/contract.md): 2 to 32 code points after NFKC, letters of any script
// (with their combining marks, which scripts such as Devanagari need), digits,
// "_", "-" and "."; compared after NFKC and full case folding.

export const USERNAME_MIN_LENGTH = 2
export const USERNAME_MAX_LENGTH = 32

// Starts with a letter or digit so a name is never only marks or punctuation.
const USERNAME_PATTERN = /^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}_.-]*$/u
// Characters that render as nothing (variation selectors, the combining grapheme
// joiner, Hangul fillers) would let "alice" and "ali\u034Fce" look the same.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u

export type UsernameCheck =
  | { ok: true; username: string; key: string }
  | { ok: false; code: 'username_missing' | 'username_length' | 'username_characters' }

/**
 * Full case folding (Unicode CaseFolding.txt, status C+F) from JavaScript's case
 * mappings: lower-case first (capital "ẞ" → "ß", which upper-casing would keep),
 * upper-case to expand the characters whose folds are longer ("ß" → "SS",
 * "ﬁ" → "FI"), lower-case again; NFKC again because case mapping can denormalise.
 * Checked against Python's str.casefold for every code point (tests/unit).
 */
export function usernameKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC')
}

/** Validates a typed name; `username` is what to show (as typed, trimmed). */
export function checkUsername(raw: string): UsernameCheck {
  const username = raw.trim()
  if (username.length === 0) return { ok: false, code: 'username_missing' }
  // Bounded before normalising: NFKC can expand one code point into many.
  if (username.length > USERNAME_MAX_LENGTH * 4) return { ok: false, code: 'username_length' }
  const normalized = username.normalize('NFKC')
  const length = [...normalized].length
  if (length < USERNAME_MIN_LENGTH || length > USERNAME_MAX_LENGTH) {
    return { ok: false, code: 'username_length' }
  }
  if (!USERNAME_PATTERN.test(normalized) || INVISIBLE.test(normalized)) {
    return { ok: false, code: 'username_characters' }
  }
  return { ok: true, username, key: usernameKey(normalized) }
}
