import type { FastifyInstance } from 'fastify'
import { buildApp, cachesOf } from '../../src/app.js'
import { loadConfig, type Config } from '../../src/config.js'
import type { Database } from '../../src/db/database.js'
import { openTestDatabase, type EngineName } from './databases.js'

/** A clock tests move forward to cross session limits without waiting. */
export class TestClock {
  private current: number
  constructor(start = Date.parse('2026-01-01T12:00:00Z')) {
    this.current = start
  }
  now = (): Date => new Date(this.current)
  advanceSeconds(seconds: number): void {
    this.current += seconds * 1000
  }
}

export interface TestApp {
  app: FastifyInstance
  db: Database
  config: Config
  clock: TestClock
  close(): Promise<void>
  /** After changing rows behind the app's back: waits until its caches have heard of it. */
  caughtUp(): Promise<void>
}

export const TEST_SECRET = 'test-secret-0123456789abcdef0123456789abcdef'

/** The real app on a fresh database of the given engine, with env overrides. */
export async function startTestApp(
  engine: EngineName,
  {
    env = {},
    clock = new TestClock(),
    wrap = (db) => db,
  }: {
    env?: Record<string, string>
    clock?: TestClock
    /** What the app is given in place of the database (one that counts statements, say). */
    wrap?: (db: Database) => Database
  } = {},
): Promise<TestApp> {
  const { db, close } = await openTestDatabase(engine)
  // The per-address request limit counts by the wall clock, not the test clock, and most
  // tests send everything from one address: it is lifted unless a test sets it.
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    REQUESTS_PER_ADDRESS_PER_MINUTE: '1000000',
    ...env,
  })
  // The fake clock does not move the flush timer: last_seen_at is written inline.
  const app = await buildApp({
    config,
    db: wrap(db),
    secret: TEST_SECRET,
    now: clock.now,
    batchSessionTouches: false,
  })
  await app.ready()
  return {
    app,
    db,
    config,
    clock,
    async close() {
      await app.close()
      await close()
    },
    async caughtUp() {
      await cachesOf(app)?.caughtUp()
    },
  }
}
