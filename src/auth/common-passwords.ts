import { createRequire } from 'node:module'

// The package holds every zxcvbn dictionary and costs ~14 MiB of memory once
// loaded; only the passwords list is used, and only when a password is chosen. So
// it is loaded on first use (synchronously, its CommonJS build), and an instance
// that only serves pages never pays for it.
const require = createRequire(import.meta.url)

// 49,000+ most common passwords from breach corpora, as maintained by zxcvbn-ts
// (@zxcvbn-ts/language-common, "passwords-common"). NIST 800-63B §3.1.1.2 asks
// verifiers to refuse passwords found in such lists. Compared case-insensitively
// so "Password1" is refused with "password1".
let commonPasswords: ReadonlySet<string> | undefined

function list(): ReadonlySet<string> {
  if (!commonPasswords) {
    const { dictionary } = require('@zxcvbn-ts/language-common') as {
      dictionary: Record<'passwords-common', string[]>
    }
    commonPasswords = new Set(dictionary['passwords-common'].map((entry) => entry.toLowerCase()))
  }
  return commonPasswords
}

export function isCommonPassword(password: string): boolean {
  return list().has(password.toLowerCase())
}
