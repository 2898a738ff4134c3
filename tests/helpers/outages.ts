import type { FastifyInstance } from 'fastify'
import { buildApp } from '../../src/app.js'
import type { HashLease } from '../../src/auth/hash-queue.js'
import { admitPasswordHashing } from '../../src/auth/passwords.js'
import { loadConfig } from '../../src/config.js'
import {
  DatabaseUnavailableError,
  type Database,
  type NotificationHandlers,
  type Subscription,
  type Transaction,
  type TransactionOptions,
} from '../../src/db/database.js'
import { openTestDatabase, type EngineName } from './databases.js'
import { TEST_SECRET } from './test-app.js'

// Failures made on purpose and at once: a database that stops answering (or fails), and
// a line of password hashes with no place left.

/**
 * A database that can be told to stop answering: every statement then fails with
 * DatabaseUnavailableError, as a driver reports a server it cannot reach (a 503);
 * or to fail with an error nobody expects (a 500).
 */
export class SwitchableDatabase implements Database {
  mode: 'answering' | 'unavailable' | 'broken' = 'answering'
  /**
   * Statements inside a transaction that fail as a lost server does (the connection
   * dropped between two statements of one transaction), while everything else answers.
   */
  failInTransactions: RegExp | undefined
  constructor(private readonly inner: Database) {}

  get engine() {
    return this.inner.engine
  }

  private check(): void {
    if (this.mode === 'unavailable') throw new DatabaseUnavailableError()
    if (this.mode === 'broken') throw new Error('a bug in a statement')
  }

  async query<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]> {
    this.check()
    return this.inner.query<Row>(sql, params)
  }

  async exec(sql: string): Promise<void> {
    this.check()
    return this.inner.exec(sql)
  }

  async transaction<T>(
    fn: (tx: Transaction) => Promise<T>,
    options?: TransactionOptions,
  ): Promise<T> {
    this.check()
    const failing = this.failInTransactions
    if (!failing) return this.inner.transaction(fn, options)
    return this.inner.transaction((tx) => {
      const query = <Row>(sql: string, params?: readonly unknown[]) => {
        if (failing.test(sql)) throw new DatabaseUnavailableError()
        return tx.query<Row>(sql, params)
      }
      return fn(Object.assign(Object.create(tx) as Transaction, { query }))
    }, options)
  }

  async ping(): Promise<void> {
    this.check()
    return this.inner.ping()
  }

  listen(channel: string, handlers: NotificationHandlers): Promise<Subscription> {
    return this.inner.listen(channel, handlers)
  }

  close(): Promise<void> {
    return this.inner.close()
  }
}

/**
 * The real app on a fresh database that a test can switch off. Without caches, so
 * that every request that needs a row asks the database.
 */
export async function startAppOnSwitchableDatabase(
  engine: EngineName,
  env: Record<string, string> = {},
): Promise<{ app: FastifyInstance; db: SwitchableDatabase; close(): Promise<void> }> {
  const opened = await openTestDatabase(engine)
  const db = new SwitchableDatabase(opened.db)
  const app = await buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent', REQUESTS_PER_ADDRESS_PER_MINUTE: '1000000', ...env }),
    db,
    secret: TEST_SECRET,
    batchSessionTouches: false,
    cache: false,
  })
  await app.ready()
  return {
    app,
    db,
    async close() {
      db.mode = 'answering'
      await app.close()
      await opened.close()
    },
  }
}

/**
 * Takes every place in this process's line of password hashes (src/auth/hash-queue.ts):
 * until the returned function gives them back, any request that needs a hash gets a
 * 503. The line is the process's own: the app built last set its length.
 */
export function holdEveryHashPlace(): () => void {
  const leases: HashLease[] = []
  for (;;) {
    const admission = admitPasswordHashing(undefined)
    if (!admission.ok) break
    leases.push(admission.lease)
    if (leases.length > 100_000) throw new Error('the line of hashes has no end')
  }
  return () => {
    for (const lease of leases) lease.release()
  }
}
