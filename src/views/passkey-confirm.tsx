import { PasskeyCeremony } from './passkey-ceremony.js'
import type { PageContext } from './page-context.js'

/**
 * "Confirm with a passkey", below the confirmation form, for an account that has one.
 * Once the server has taken the passkey (the session is then recently authenticated),
 * the script submits the form at `form` without a password: the change it carries
 * goes on (src/http/reauthentication.tsx).
 */
export function PasskeyConfirm({ ctx, form }: { ctx: PageContext; form: string }) {
  return (
    <PasskeyCeremony
      ctx={ctx}
      id="passkey-confirm"
      kind="confirm"
      form={form}
      optionsUrl="/account/confirm/passkey/options"
      verifyUrl="/account/confirm/passkey"
      label="confirm.withPasskey"
    />
  )
}
