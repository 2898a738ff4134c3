// Mixed-script detection of Unicode UTS #39 (section 5.1) and its restriction
// level "Highly Restrictive" (section 5.2), for names (docs/contract.md).
//
// Why Highly Restrictive and not Moderately Restrictive: Moderately Restrictive also
// lets Latin mix with one other script (except Cyrillic and Greek), e.g. Latin with
// Armenian or Cherokee, several of whose letters are drawn like Latin ones ("Ꭺ",
// "ս"). A name is how members tell each other apart; one script per name, with the
// three combinations Japanese, Chinese and Korean writing use (which may carry Latin),
// costs real names nothing and leaves no such room.
//
// The data is Unicode's own: each character's Script_Extensions through the
// regular expression property \p{Script_Extensions=…}, which V8 takes from the ICU it
// is built with (process.versions.unicode). Only the list of script codes below is
// written here; tests/unit checks that it names the script of every assigned
// character this engine knows.

/** ISO 15924 codes of Unicode's scripts (Unicode 17), Common and Inherited last. */
// prettier-ignore
const SCRIPT_CODES = [
  'Adlm', 'Aghb', 'Ahom', 'Arab', 'Armi', 'Armn', 'Avst', 'Bali', 'Bamu', 'Bass', 'Batk',
  'Beng', 'Berf', 'Bhks', 'Bopo', 'Brah', 'Brai', 'Bugi', 'Buhd', 'Cakm', 'Cans', 'Cari',
  'Cham', 'Cher', 'Chrs', 'Copt', 'Cpmn', 'Cprt', 'Cyrl', 'Deva', 'Diak', 'Dogr', 'Dsrt',
  'Dupl', 'Egyp', 'Elba', 'Elym', 'Ethi', 'Gara', 'Geor', 'Glag', 'Gong', 'Gonm', 'Goth',
  'Gran', 'Grek', 'Gujr', 'Gukh', 'Guru', 'Hang', 'Hani', 'Hano', 'Hatr', 'Hebr', 'Hira',
  'Hluw', 'Hmng', 'Hmnp', 'Hung', 'Ital', 'Java', 'Kali', 'Kana', 'Kawi', 'Khar', 'Khmr',
  'Khoj', 'Kits', 'Knda', 'Krai', 'Kthi', 'Lana', 'Laoo', 'Latn', 'Lepc', 'Limb', 'Lina',
  'Linb', 'Lisu', 'Lyci', 'Lydi', 'Mahj', 'Maka', 'Mand', 'Mani', 'Marc', 'Medf', 'Mend',
  'Merc', 'Mero', 'Mlym', 'Modi', 'Mong', 'Mroo', 'Mtei', 'Mult', 'Mymr', 'Nagm', 'Nand',
  'Narb', 'Nbat', 'Newa', 'Nkoo', 'Nshu', 'Ogam', 'Olck', 'Onao', 'Orkh', 'Orya', 'Osge',
  'Osma', 'Ougr', 'Palm', 'Pauc', 'Perm', 'Phag', 'Phli', 'Phlp', 'Phnx', 'Plrd', 'Prti',
  'Rjng', 'Rohg', 'Runr', 'Samr', 'Sarb', 'Saur', 'Sgnw', 'Shaw', 'Shrd', 'Sidd', 'Sidt',
  'Sind', 'Sinh', 'Sogd', 'Sogo', 'Sora', 'Soyo', 'Sund', 'Sunu', 'Sylo', 'Syrc', 'Tagb',
  'Takr', 'Tale', 'Talu', 'Taml', 'Tang', 'Tavt', 'Tayo', 'Telu', 'Tfng', 'Tglg', 'Thaa',
  'Thai', 'Tibt', 'Tirh', 'Tnsa', 'Todr', 'Tols', 'Toto', 'Tutg', 'Ugar', 'Vaii', 'Vith',
  'Wara', 'Wcho', 'Xpeo', 'Xsux', 'Yezi', 'Yiii', 'Zanb', 'Zinh', 'Zyyy',
] as const

export type ScriptCode = (typeof SCRIPT_CODES)[number]

/** Scripts a Unicode engine knows: a code this one does not is left out, not an error. */
const SCRIPT_EXTENSIONS: ReadonlyArray<readonly [ScriptCode, RegExp]> = SCRIPT_CODES.flatMap(
  (code) => {
    try {
      return [[code, new RegExp(`\\p{Script_Extensions=${code}}`, 'u')] as const]
    } catch {
      return []
    }
  },
)

/** Exported for the test that the list is complete. */
export const KNOWN_SCRIPT_CODES: readonly ScriptCode[] = SCRIPT_EXTENSIONS.map(([code]) => code)

/** The writing systems of UTS #39's augmented script sets, beside the scripts. */
type WritingSystem = 'Jpan' | 'Kore' | 'Hanb'
type ScriptSet = ReadonlySet<ScriptCode | WritingSystem>

/** One character's Script_Extensions (its code point, as a string). */
export function scriptExtensions(char: string): ScriptCode[] {
  return SCRIPT_EXTENSIONS.filter(([, pattern]) => pattern.test(char)).map(([code]) => code)
}

/**
 * UTS #39's augmented script set of a character: its Script_Extensions plus the
 * writing systems that use them (Han is Japanese, Korean and Chinese with
 * Bopomofo; Hiragana and Katakana are Japanese; Hangul is Korean; Bopomofo is
 * Chinese). Undefined for Common and Inherited characters (digits, "_", "-", ".",
 * marks that take the script of their base): they belong to every script.
 */
function augmentedScriptSet(char: string): ScriptSet | undefined {
  const scripts = scriptExtensions(char)
  if (scripts.includes('Zyyy') || scripts.includes('Zinh')) return undefined
  const set = new Set<ScriptCode | WritingSystem>(scripts)
  if (set.has('Hani')) for (const system of ['Jpan', 'Kore', 'Hanb'] as const) set.add(system)
  if (set.has('Hira') || set.has('Kana')) set.add('Jpan')
  if (set.has('Hang')) set.add('Kore')
  if (set.has('Bopo')) set.add('Hanb')
  return set
}

/**
 * UTS #39's resolved script set: the scripts every character of the text belongs
 * to. Undefined means every script (only Common and Inherited characters); an empty
 * set means the text mixes scripts. `without` leaves out the characters of that
 * script, as the Highly Restrictive level does for Latin.
 */
function resolvedScriptSet(text: string, without?: ScriptCode): ScriptSet | undefined {
  let resolved: Set<ScriptCode | WritingSystem> | undefined
  for (const char of text) {
    const scripts = augmentedScriptSet(char)
    if (scripts === undefined || (without !== undefined && scripts.has(without))) continue
    if (resolved === undefined) resolved = new Set(scripts)
    else for (const script of resolved) if (!scripts.has(script)) resolved.delete(script)
  }
  return resolved
}

/**
 * Highly Restrictive (UTS #39, 5.2): the text is in one script (Han with Hiragana
 * and Katakana counts as one, Japanese; Han with Hangul, Korean; Han with Bopomofo,
 * Chinese), or it is one of those three with Latin: "Tokyo東京", "user_田中".
 * "аlice" (Cyrillic а, Latin lice) is not.
 */
export function isHighlyRestrictive(text: string): boolean {
  const resolved = resolvedScriptSet(text)
  if (resolved === undefined || resolved.size > 0) return true
  const withoutLatin = resolvedScriptSet(text, 'Latn')
  if (withoutLatin === undefined) return true
  return withoutLatin.has('Jpan') || withoutLatin.has('Kore') || withoutLatin.has('Hanb')
}
