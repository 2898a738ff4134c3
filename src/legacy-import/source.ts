// What the import reads: the original lesson app's `login(username, password)` table,
// in which passwords were kept as plain text. login-table.ts reads a real one; the
// tests give rows from an array.

export interface LegacyLogin {
  /** As read from the source: text, or null, or (for a non-text column) anything. */
  username: unknown
  password: unknown
}

/** The source table, read twice in one snapshot: names first, then whole rows. */
export interface LegacySource {
  usernames(): AsyncIterable<readonly unknown[]>
  logins(): AsyncIterable<readonly LegacyLogin[]>
}
