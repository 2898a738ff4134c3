import assert from 'node:assert/strict'
import { test } from 'node:test'
import { referencedFirst, type TableShape } from '../../src/db/table-catalog.js'

// The order in which move-to fills the tables: a row's referenced rows first.

const table = (name: string, references: string[] = []): TableShape => ({
  name,
  columns: [],
  primaryKey: [],
  references,
})

test('every table comes after the tables it references, by name among equals', () => {
  const ordered = referencedFirst([
    table('webauthn_challenges', ['users', 'sessions']),
    table('sessions', ['users']),
    table('users'),
    table('attempt_limits'),
    // A reference out of the schema (another schema's table) does not hold anything up.
    table('notes', ['elsewhere']),
  ])
  assert.deepEqual(
    ordered.map((t) => t.name),
    ['attempt_limits', 'notes', 'users', 'sessions', 'webauthn_challenges'],
  )
})

test('foreign keys in a cycle cannot be ordered: the error names the tables', () => {
  assert.throws(
    () => referencedFirst([table('a', ['b']), table('b', ['a']), table('c')]),
    /the foreign keys of a, b form a cycle/,
  )
})
