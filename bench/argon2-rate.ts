import { Algorithm, hash, verify } from '@node-rs/argon2'

// Scenario 3's yardstick: how many argon2id verifications this machine does per
// second with Logon's parameters and as many at once as Logon lets run
// (PASSWORD_HASH_THREADS: what a storm of sign-ins can use at best). Prints one JSON line.

const seconds = Number(process.argv[2] ?? 10)
const concurrency = Number(process.env.HASH_THREADS ?? 1)
// Logon's configured parameters, handed over by bench/scenarios/sign-in-storm.ts.
const params = { algorithm: Algorithm.Argon2id, ...JSON.parse(process.env.ARGON2_PARAMS ?? '{}') }
const password = 'member-password-1234'
const stored = await hash(password, params)

let verifies = 0
const deadline = performance.now() + seconds * 1000
async function worker() {
  while (performance.now() < deadline) {
    if (!(await verify(stored, password))) throw new Error('verification failed')
    verifies++
  }
}
const started = performance.now()
await Promise.all(Array.from({ length: concurrency }, worker))
const elapsed = (performance.now() - started) / 1000
process.stdout.write(
  `${JSON.stringify({ verifies, perSecond: verifies / elapsed, concurrency })}\n`,
)
