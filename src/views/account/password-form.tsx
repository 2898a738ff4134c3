import { Field } from '../field.js'
import type { PageContext } from '../page-context.js'
import { PostForm } from '../post-form.js'
import { CodeField } from '../two-factor/code-field.js'

export interface PasswordFormErrors {
  current_password?: string | undefined
  new_password?: string | undefined
  code?: string | undefined
}

/** Changing the password: the current one, then the new one. */
export function PasswordForm({
  ctx,
  passwordMinLength,
  askCode,
  errors,
}: {
  ctx: PageContext
  passwordMinLength: number
  /** The second factor is on and the session has not proved itself lately. */
  askCode: boolean
  errors: PasswordFormErrors | undefined
}) {
  const { t } = ctx
  return (
    <section aria-labelledby="password-heading">
      <h2 id="password-heading">{t('account.changePassword')}</h2>
      <p>{t('account.changePasswordHint')}</p>
      <PostForm ctx={ctx} action="/account/password" summaryLevel={3}>
        <Field
          ctx={ctx}
          name="current_password"
          label="field.currentPassword"
          type="password"
          autocomplete="current-password"
          error={errors?.current_password}
        />
        <Field
          ctx={ctx}
          name="new_password"
          label="field.newPassword"
          type="password"
          autocomplete="new-password"
          minLength={passwordMinLength}
          error={errors?.new_password}
          hint={t('register.passwordHint', { min: passwordMinLength })}
        />
        {askCode ? (
          <CodeField ctx={ctx} hint={t('twoFactor.codeOrRecoveryHint')} error={errors?.code} />
        ) : null}
        <button type="submit">{t('account.changePasswordSubmit')}</button>
      </PostForm>
    </section>
  )
}
