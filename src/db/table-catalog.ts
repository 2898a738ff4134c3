import type { Queryable } from './database.js'

// The tables of a Logon database as PostgreSQL's catalog describes them (the schema
// the migrations made, in the current schema of the search_path), for the commands
// that copy whole tables: read from the database itself, so a table a new migration
// adds is copied without anyone keeping a list.

export interface TableColumn {
  name: string
  /** As format_type writes it (`timestamp with time zone`, `text[]`): a cast's target. */
  type: string
  /** GENERATED … AS IDENTITY: written with OVERRIDING SYSTEM VALUE, its sequence moved on. */
  identity: boolean
}

export interface TableShape {
  name: string
  /** In column order; generated columns are left out (they are computed, never written). */
  columns: TableColumn[]
  /** The primary key's columns in key order; empty when the table has none. */
  primaryKey: string[]
  /** The tables its foreign keys reference (itself excluded). */
  references: string[]
}

/** The tables of the current schema, each after the tables it references. */
export async function readTableCatalog(db: Queryable): Promise<TableShape[]> {
  const columns = await db.query<{
    table: string
    column: string
    type: string
    identity: boolean
  }>(
    `SELECT c.relname::text AS table, a.attname::text AS column,
            format_type(a.atttypid, a.atttypmod) AS type, a.attidentity <> '' AS identity
       FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
        AND NOT c.relispartition AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      ORDER BY c.relname, a.attnum`,
  )
  const keys = await db.query<{ table: string; columns: string[] }>(
    `SELECT c.relname::text AS table, array_agg(a.attname::text ORDER BY k.position) AS columns
       FROM pg_constraint p JOIN pg_class c ON c.oid = p.conrelid
            CROSS JOIN LATERAL unnest(p.conkey) WITH ORDINALITY AS k (attnum, position)
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = k.attnum
      WHERE p.contype = 'p' AND c.relnamespace = current_schema()::regnamespace
      GROUP BY c.relname`,
  )
  const references = await db.query<{ table: string; referenced: string }>(
    `SELECT DISTINCT c.relname::text AS table, r.relname::text AS referenced
       FROM pg_constraint f JOIN pg_class c ON c.oid = f.conrelid
            JOIN pg_class r ON r.oid = f.confrelid
      WHERE f.contype = 'f' AND c.relnamespace = current_schema()::regnamespace
        AND f.conrelid <> f.confrelid`,
  )
  const tables = new Map<string, TableShape>()
  for (const row of columns) {
    let table = tables.get(row.table)
    if (!table) {
      table = { name: row.table, columns: [], primaryKey: [], references: [] }
      tables.set(row.table, table)
    }
    table.columns.push({ name: row.column, type: row.type, identity: row.identity })
  }
  for (const key of keys) {
    const table = tables.get(key.table)
    if (table) table.primaryKey = key.columns
  }
  for (const reference of references)
    tables.get(reference.table)?.references.push(reference.referenced)
  return referencedFirst([...tables.values()])
}

/**
 * The tables in an order in which every row's referenced rows are already there
 * (Kahn's algorithm, by name among equals so the order is the same every time).
 * Foreign keys that form a cycle cannot be ordered: an error names the tables.
 */
export function referencedFirst(tables: TableShape[]): TableShape[] {
  const ordered: TableShape[] = []
  const placed = new Set<string>()
  const known = new Set(tables.map((table) => table.name))
  let waiting = [...tables].sort((a, b) => (a.name < b.name ? -1 : 1))
  while (waiting.length > 0) {
    const ready = waiting.filter((table) =>
      table.references.every((name) => placed.has(name) || !known.has(name)),
    )
    if (ready.length === 0) {
      throw new Error(
        `the foreign keys of ${waiting.map((table) => table.name).join(', ')} form a cycle`,
      )
    }
    for (const table of ready) {
      ordered.push(table)
      placed.add(table.name)
    }
    waiting = waiting.filter((table) => !placed.has(table.name))
  }
  return ordered
}

/** A name as a quoted SQL identifier: `"users"`, `"odd""name"`. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`
}
