import type { Queryable } from '../../src/db/database.js'

/** Every statement sent through it, to check how many round trips a function takes. */
export function recording(db: Queryable): { q: Queryable; statements: string[] } {
  const statements: string[] = []
  return {
    statements,
    q: {
      query<Row>(sql: string, params?: readonly unknown[]) {
        statements.push(sql)
        return db.query<Row>(sql, params)
      },
      exec(sql: string) {
        statements.push(sql)
        return db.exec(sql)
      },
    },
  }
}
