import { fileURLToPath } from 'node:url'

// What a run of `npm run bench` is asked to do, read once from the environment:
// BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test; a schema of
// its own is created and dropped), BENCH_SECONDS (10), BENCH_WARMUP_SECONDS (5; run
// again, up to 5 times, until each cookie has been sent 10 times per worker),
// BENCH_CONNECTIONS (32), BENCH_SCENARIOS (1,2,3,4,5,6,7,8,9), BENCH_LOGON_NODE_ARGS (node
// flags for Logon only, space-separated, instead of the documented ones; e.g.
// "--max-semi-space-size=8 --cpu-prof --cpu-prof-dir=/tmp/prof"; "" for none),
// BENCH_LOADER (wrk, Debian's `wrk`; or autocannon) and BENCH_LOADER_THREADS (1, wrk's -t).

export const ROOT = fileURLToPath(new URL('..', import.meta.url))
export const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
export const SECONDS = Number(process.env.BENCH_SECONDS ?? 10)
export const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 5)
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32)
export const SCENARIOS = (process.env.BENCH_SCENARIOS ?? '1,2,3,4,5,6,7,8,9').split(',')
// Logon runs as README's direct start command (and `npm start`) says, unless
// BENCH_LOGON_NODE_ARGS gives other node flags.
export const LOGON_NODE_ARGS = (process.env.BENCH_LOGON_NODE_ARGS ?? '--max-semi-space-size=8')
  .split(' ')
  .filter(Boolean)
// The load generator shares the machine's cores with the app and PostgreSQL: wrk (C)
// costs about half of autocannon's CPU per request here, and its share is reported.
export const LOADER = (process.env.BENCH_LOADER ?? 'wrk') as 'wrk' | 'autocannon'
if (LOADER !== 'wrk' && LOADER !== 'autocannon') {
  throw new Error(`BENCH_LOADER must be wrk or autocannon, not ${String(LOADER)}`)
}
export const LOADER_THREADS = Number(process.env.BENCH_LOADER_THREADS ?? 1)
/** Sessions with secrets the bench knows, for the signed-in scenarios' cookies. */
export const KNOWN_SESSIONS = 1000
// UV_THREADPOOL_SIZE and PASSWORD_HASH_THREADS, when set, reach Logon and the raw
// argon2 measurement alike.
export const threadPool: Record<string, string> = Object.fromEntries(
  ['UV_THREADPOOL_SIZE', 'PASSWORD_HASH_THREADS']
    .map((name) => [name, process.env[name] ?? ''])
    .filter(([, value]) => value !== ''),
)
