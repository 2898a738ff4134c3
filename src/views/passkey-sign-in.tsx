import { PasskeyCeremony } from './passkey-ceremony.js'
import type { PageContext } from './page-context.js'

/**
 * "Sign in with a passkey", below the password form. The script takes the form's
 * token, `next` and "keep me signed in" from the form above.
 */
export function PasskeySignIn({ ctx }: { ctx: PageContext }) {
  return (
    <PasskeyCeremony
      ctx={ctx}
      id="passkey-sign-in"
      kind="sign-in"
      form="/login"
      optionsUrl="/passkeys/sign-in/options"
      verifyUrl="/passkeys/sign-in"
      label="passkey.signIn"
    />
  )
}
