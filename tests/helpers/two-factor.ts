import { decodeBase32IgnorePadding } from '@oslojs/encoding'
import { totpCode, totpStep } from '../../src/auth/totp.js'
import { decodeEntities, hiddenInputs, type TestClient } from './client.js'
import type { TestClock } from './test-app.js'

// Turning the second factor on as a person does: the setup page's key, typed into
// an "app" (the RFC 6238 code of the test clock's step), then the recovery codes the
// answer shows.

/** The key the setup page shows for typing, as bytes. */
export function setupSecretOf(html: string): Uint8Array {
  const typed = /id="totp-secret"[^>]*>([^<]*)</.exec(html)?.[1]
  if (typed === undefined) throw new Error('no key on the page')
  return decodeBase32IgnorePadding(decodeEntities(typed).replace(/\s+/g, ''))
}

/** The recovery codes a page shows (each in a <code> inside id="recovery-codes"). */
export function recoveryCodesOf(html: string): string[] {
  const list = /id="recovery-codes"[^>]*>([\s\S]*?)<\/ol>/.exec(html)?.[1] ?? ''
  return [...list.matchAll(/<code>([^<]*)<\/code>/g)].map((m) => m[1]!)
}

/** What the authenticator app shows at `now`, `offsetSteps` steps away. */
export function codeAt(secret: Uint8Array, now: Date, offsetSteps = 0): string {
  return totpCode(secret, totpStep(now) + offsetSteps)
}

/** Turns the factor on for a signed-in client; its secret and recovery codes. */
export async function enableTwoFactor(
  client: TestClient,
  clock: TestClock,
): Promise<{ secret: Uint8Array; recoveryCodes: string[] }> {
  const page = await client.get('/account/two-factor')
  if (page.statusCode !== 200) throw new Error(`setup page answered ${page.statusCode}`)
  const secret = setupSecretOf(page.body)
  // Posted from this page: loading it again would show another key.
  const enabled = await client.post('/account/two-factor', {
    ...hiddenInputs(page.body, '/account/two-factor'),
    code: codeAt(secret, clock.now()),
  })
  if (enabled.statusCode !== 200) throw new Error(`turning on answered ${enabled.statusCode}`)
  // The code just used is spent: later sign-ins in the same step would be replays.
  clock.advanceSeconds(30)
  return { secret, recoveryCodes: recoveryCodesOf(enabled.body) }
}
