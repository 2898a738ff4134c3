import type { MessageKey } from '../i18n/translate.js'
import type { PageContext } from './page-context.js'

/**
 * A passkey button below a password form: hidden until public/passkeys.js runs and
 * finds WebAuthn, so without script the page is the password form alone. The script
 * reads what it needs from these data- attributes: which ceremony, the form it works
 * with (its token, and what it submits once done), the two addresses, and its words.
 */
export function PasskeyCeremony({
  ctx,
  id,
  kind,
  form,
  optionsUrl,
  verifyUrl,
  label,
}: {
  ctx: PageContext
  id: string
  kind: 'sign-in' | 'confirm'
  form: string
  optionsUrl: string
  verifyUrl: string
  label: MessageKey
}) {
  const { t } = ctx
  return (
    <div
      id={id}
      class="passkey-ceremony"
      hidden
      data-passkey={kind}
      data-form={form}
      data-options-url={optionsUrl}
      data-verify-url={verifyUrl}
      data-message-cancelled={t('passkey.cancelled')}
      data-message-failed={t('passkey.failed')}
    >
      <button type="button" class="secondary" data-passkey-start>
        {t(label)}
      </button>
      <p class="form-error" role="alert" data-passkey-error hidden />
    </div>
  )
}
