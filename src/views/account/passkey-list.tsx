import { Time } from '../format.js'
import type { PageContext } from '../page-context.js'
import { PostForm } from '../post-form.js'

/** A passkey as the account page shows it. */
export interface PasskeyView {
  id: string
  name: string
  createdAt: Date
  lastUsedAt: Date | null
}

/**
 * The account's passkeys, each with its dates, a rename form and a remove button
 * (plain forms: they work without script), and "Add a passkey", which needs the
 * browser's WebAuthn and so appears only once public/passkeys.js runs.
 */
export function PasskeyList({
  ctx,
  passkeys,
  error,
}: {
  ctx: PageContext
  passkeys: PasskeyView[]
  error: string | undefined
}) {
  const { t } = ctx
  return (
    <section aria-labelledby="passkeys-heading" id="passkeys">
      <h2 id="passkeys-heading">{t('account.passkeys')}</h2>
      <p>{t('account.passkeysExplained')}</p>
      {error ? (
        <p class="form-error" role="alert" id="passkey-form-error">
          {error}
        </p>
      ) : null}
      {passkeys.length === 0 ? (
        <p>{t('account.noPasskeys')}</p>
      ) : (
        <table class="passkeys">
          <thead>
            <tr>
              <th scope="col">{t('account.passkeyName')}</th>
              <th scope="col">{t('account.passkeyCreatedAt')}</th>
              <th scope="col">{t('account.passkeyLastUsed')}</th>
              <th scope="col">
                <span class="visually-hidden">{t('account.passkeyRemove')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {passkeys.map((passkey) => (
              <tr key={passkey.id} data-passkey-id={passkey.id}>
                <td>
                  <PostForm ctx={ctx} action="/account/passkeys/rename" class="inline-form">
                    <input type="hidden" name="passkey" value={passkey.id} />
                    <input
                      type="text"
                      name="name"
                      value={passkey.name}
                      required
                      maxLength={64}
                      autocomplete="off"
                      aria-label={t('account.passkeyNewName', { name: passkey.name })}
                    />
                    <button type="submit" class="secondary">
                      {t('account.passkeyRename')}
                    </button>
                  </PostForm>
                </td>
                <td>
                  <Time t={t} date={passkey.createdAt} />
                </td>
                <td data-passkey-last-used>
                  {passkey.lastUsedAt ? (
                    <Time t={t} date={passkey.lastUsedAt} now={ctx.now} />
                  ) : (
                    t('account.passkeyNeverUsed')
                  )}
                </td>
                <td>
                  <PostForm ctx={ctx} action="/account/passkeys/remove" class="inline-form">
                    <input type="hidden" name="passkey" value={passkey.id} />
                    <button
                      type="submit"
                      class="danger"
                      aria-label={t('account.passkeyRemoveLabel', { name: passkey.name })}
                    >
                      {t('account.passkeyRemove')}
                    </button>
                  </PostForm>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <div
        id="passkey-add"
        class="passkey-ceremony"
        hidden
        data-passkey="add"
        data-options-url="/account/passkeys/options"
        data-verify-url="/account/passkeys"
        data-message-cancelled={t('passkey.cancelled')}
        data-message-failed={t('account.passkeyNotAdded')}
      >
        <button type="button" data-passkey-start>
          {t('account.addPasskey')}
        </button>
        <p class="form-error" role="alert" data-passkey-error hidden />
      </div>
      <noscript>
        <p>{t('account.passkeysNeedScript')}</p>
      </noscript>
    </section>
  )
}
