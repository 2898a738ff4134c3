import unhomoglyph from 'unhomoglyph'

// The confusable skeleton of Unicode UTS #39 (section 4): two names that look alike
// ("alice" with a Cyrillic "а", "paypal" and "раураl") have the same skeleton, and a
// UNIQUE constraint on it (users.username_skeleton) makes them one name.
//
// The mapping is confusables.txt as the package unhomoglyph ships it (Unicode 13.0's
// data; the letters and digits that matter here have not moved since). Skeletons are
// stored: a newer mapping would change some of them, so a data update needs the
// column recomputed (set it to NULL: start-up fills it again, and reports collisions).

/**
 * UTS #39 skeleton of a name's comparison key (usernameKey: NFKC and case folding
 * first, so "ALICE" and "alice" agree): NFD, each character replaced by its
 * prototype, NFD again. Not for showing: "m" becomes "rn", "0" becomes "O".
 * Folding first loses the one confusable across case, capital "I" for small "l"
 * ("aIice" folds to "aiice"); folding after would make "ALICE" ("ALlCE") and
 * "alice" disagree, which lets far more through.
 */
export function usernameSkeleton(key: string): string {
  return unhomoglyph(key.normalize('NFD')).normalize('NFD')
}
