import { dictionary } from '@zxcvbn-ts/language-common'

// 49,000+ most common passwords from breach corpora, as maintained by zxcvbn-ts
// (@zxcvbn-ts/language-common, "passwords-common"). NIST 800-63B §3.1.1.2 asks
// verifiers to refuse passwords found in such lists. Compared case-insensitively
// so "Password1" is refused with "password1".
let commonPasswords: ReadonlySet<string> | undefined

function list(): ReadonlySet<string> {
  commonPasswords ??= new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()))
  return commonPasswords
}

export function isCommonPassword(password: string): boolean {
  return list().has(password.toLowerCase())
}

export function commonPasswordCount(): number {
  return list().size
}
