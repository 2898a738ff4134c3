import type {
  Database,
  NotificationHandlers,
  Queryable,
  Transaction,
  TransactionOptions,
} from '../../src/db/database.js'

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

/**
 * A whole Database that records every statement the app sends through it, its
 * transactions' included (not the change feed's heartbeats, which go over the
 * listening connection): to check that a page view costs no query.
 */
export function recordingDatabase(db: Database): { db: Database; statements: string[] } {
  const statements: string[] = []
  const recorded: Database = Object.create(db) as Database
  Object.assign(recorded, {
    engine: db.engine,
    query<Row>(sql: string, params?: readonly unknown[]) {
      statements.push(sql)
      return db.query<Row>(sql, params)
    },
    exec(sql: string) {
      statements.push(sql)
      return db.exec(sql)
    },
    transaction<T>(fn: (tx: Transaction) => Promise<T>, options?: TransactionOptions) {
      return db.transaction(
        (tx) =>
          fn({
            query<Row>(sql: string, params?: readonly unknown[]) {
              statements.push(sql)
              return tx.query<Row>(sql, params)
            },
            exec(sql: string) {
              statements.push(sql)
              return tx.exec(sql)
            },
            afterCommit: (run) => tx.afterCommit(run),
          }),
        options,
      )
    },
    ping: () => db.ping(),
    listen: (channel: string, handlers: NotificationHandlers) => db.listen(channel, handlers),
    close: () => db.close(),
  })
  return { db: recorded, statements }
}
