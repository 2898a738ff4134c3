import type { PageContext } from './page-context.js'

/**
 * "Confirm with a passkey", below the confirmation form, for an account that has one.
 * Hidden until public/passkeys.js runs and finds WebAuthn: without script the page is
 * the password form alone. Once the server has taken the passkey (the session is then
 * recently authenticated), the script submits the form at `form` without a password:
 * the change it carries goes on (src/http/reauthentication.tsx).
 */
export function PasskeyConfirm({ ctx, form }: { ctx: PageContext; form: string }) {
  const { t } = ctx
  return (
    <div
      id="passkey-confirm"
      class="passkey-ceremony"
      hidden
      data-passkey="confirm"
      data-form={form}
      data-options-url="/account/confirm/passkey/options"
      data-verify-url="/account/confirm/passkey"
      data-message-cancelled={t('passkey.cancelled')}
      data-message-failed={t('passkey.failed')}
    >
      <button type="button" class="secondary" data-passkey-start>
        {t('confirm.withPasskey')}
      </button>
      <p class="form-error" role="alert" data-passkey-error hidden />
    </div>
  )
}
