import { isHighlyRestrictive } from './username-scripts.js'
import { usernameSkeleton } from './username-skeleton.js'

// Usernames (docs/contract.md): 2 to 32 code points after NFKC, letters of any script
// (with their combining marks, which scripts such as Devanagari need), digits,
// "_", "-" and "."; compared after NFKC and full case folding. A new name must also
// not look like another: one script (username-scripts.ts), no pile of marks, and a
// confusable skeleton of its own (username-skeleton.ts, unique in the database).

export const USERNAME_MIN_LENGTH = 2
export const USERNAME_MAX_LENGTH = 32

// Starts with a letter or digit so a name is never only marks or punctuation.
const USERNAME_PATTERN = /^[\p{L}\p{Nd}][\p{L}\p{M}\p{Nd}_.-]*$/u
// Characters that render as nothing (variation selectors, the combining grapheme
// joiner, Hangul fillers) would let "alice" and "ali\u034Fce" look the same.
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u

// Marks on one base, after NFKC then NFD (so precomposed letters count theirs): real
// names need at most 2 (Vietnamese "ễ" is e, circumflex, tilde; Devanagari and Thai
// put 1 or 2 on a consonant; Tibetan stacks up to 4 subjoined letters and vowels).
// More draws over the neighbouring letters and can hide what the name says.
export const USERNAME_MAX_MARKS_IN_A_ROW = 4
const MARK = /\p{M}/u

export type UsernameFormatCode = 'username_missing' | 'username_length' | 'username_characters'
export type UsernameCheck =
  { ok: true; username: string; key: string } | { ok: false; code: UsernameFormatCode }

export type LookAlikeCode = 'username_mixed_scripts' | 'username_stacked_marks'

export type NewUsernameCheck =
  | { ok: true; username: string; key: string; skeleton: string }
  | { ok: false; code: UsernameFormatCode }
  /** With the key and skeleton: a look-alike of a taken name is told it is taken. */
  | { ok: false; code: LookAlikeCode; key: string; skeleton: string }

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

/**
 * Reads a typed name for signing in: the form of a name and its key. The look-alike
 * rules of checkNewUsername are not applied, so an account made before them (or
 * imported) still signs in under its name.
 */
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

/**
 * Validates the name of a new account (registration, the legacy import): the form
 * of checkUsername, then the look-alike rules. `username` is what to show (as typed,
 * trimmed); `skeleton` goes into users.username_skeleton.
 */
export function checkNewUsername(raw: string): NewUsernameCheck {
  const name = checkUsername(raw)
  if (!name.ok) return name
  const skeleton = usernameSkeleton(name.key)
  const lookAlike = lookAlikeProblem(name.username)
  if (lookAlike) return { ok: false, code: lookAlike, key: name.key, skeleton }
  return { ...name, skeleton }
}

/** Which look-alike rule a name of the right form breaks, if any. */
export function lookAlikeProblem(username: string): LookAlikeCode | undefined {
  const normalized = username.normalize('NFKC')
  if (hasStackedMarks(normalized)) return 'username_stacked_marks'
  if (!isHighlyRestrictive(normalized)) return 'username_mixed_scripts'
  return undefined
}

/**
 * More than USERNAME_MAX_MARKS_IN_A_ROW marks on one base, or the same mark twice in
 * a row, which draws as one (UTS #39, 5.4: "a\u0301\u0301" would look like "á").
 */
function hasStackedMarks(text: string): boolean {
  let inARow = 0
  let previous = ''
  for (const char of text.normalize('NFD')) {
    if (!MARK.test(char)) {
      inARow = 0
      previous = char
      continue
    }
    inARow += 1
    if (inARow > USERNAME_MAX_MARKS_IN_A_ROW || char === previous) return true
    previous = char
  }
  return false
}
