import { Field } from './field.js'
import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'
import { PasskeyConfirm } from './passkey-confirm.js'
import { PASSKEY_SCRIPTS } from './passkey-scripts.js'
import { PostForm } from './post-form.js'
import { CodeField } from './two-factor/code-field.js'

// "Confirm it's you" (re-authentication): before a sensitive change, when the
// session last proved who it is longer than REAUTH_MAX_AGE ago. The form goes to
// `action` with the change's own fields kept as hidden inputs, so that once the
// password (and code) are right the change goes on in the same request. An account
// with a passkey may confirm with it instead, where the browser runs the page's script.

export interface ConfirmErrors {
  password?: string | undefined
  code?: string | undefined
}

export function ConfirmPage({
  ctx,
  action,
  hidden,
  withCode,
  withPasskey,
  errors = {},
}: {
  ctx: PageContext
  action: string
  /** The change's own fields (never a secret), sent again with the confirmation. */
  hidden: Record<string, string>
  /** The account has a second factor: a code is asked for too. */
  withCode: boolean
  /** The account has a passkey: "Confirm with a passkey" is offered (with script). */
  withPasskey: boolean
  errors?: ConfirmErrors
}) {
  const { t } = ctx
  return (
    <Layout
      ctx={ctx}
      title={t('confirm.title')}
      withErrors={Boolean(errors.password ?? errors.code)}
      scripts={withPasskey ? PASSKEY_SCRIPTS : []}
    >
      <h1>{t('confirm.title')}</h1>
      <p>{t('confirm.explain')}</p>
      <PostForm ctx={ctx} action={action}>
        {Object.entries(hidden).map(([name, value]) => (
          <input key={name} type="hidden" name={name} value={value} />
        ))}
        <Field
          ctx={ctx}
          name="confirm_password"
          label="field.password"
          type="password"
          autocomplete="current-password"
          error={errors.password}
        />
        {withCode ? (
          <CodeField
            ctx={ctx}
            name="confirm_code"
            hint={t('twoFactor.codeOrRecoveryHint')}
            error={errors.code}
          />
        ) : null}
        <button type="submit">{t('confirm.submit')}</button>
      </PostForm>
      {withPasskey ? <PasskeyConfirm ctx={ctx} form={action} /> : null}
      <p>
        <a href="/account">{t('twoFactor.backToAccount')}</a>
      </p>
    </Layout>
  )
}
