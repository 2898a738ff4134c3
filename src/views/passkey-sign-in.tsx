import type { PageContext } from './page-context.js'

/**
 * "Sign in with a passkey", below the password form. Hidden until public/passkeys.js
 * runs and finds WebAuthn: without script the page is the password form alone. The
 * script takes the form's token, `next` and "keep me signed in" from the form above,
 * and the words it may need from these data- attributes.
 */
export function PasskeySignIn({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <div
      id="passkey-sign-in"
      class="passkey-ceremony"
      hidden
      data-passkey="sign-in"
      data-form="/login"
      data-options-url="/passkeys/sign-in/options"
      data-verify-url="/passkeys/sign-in"
      data-message-cancelled={t('passkey.cancelled')}
      data-message-failed={t('passkey.failed')}
    >
      <button type="button" class="secondary" data-passkey-start>
        {t('passkey.signIn')}
      </button>
      <p class="form-error" role="alert" data-passkey-error hidden />
    </div>
  )
}
