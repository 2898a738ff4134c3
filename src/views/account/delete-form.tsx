import { Field } from '../field.js'
import type { PageContext } from '../page-context.js'
import { PostForm } from '../post-form.js'
import { CodeField } from '../two-factor/code-field.js'

export interface DeleteFormErrors {
  password?: string | undefined
  code?: string | undefined
}

/** Deleting the account, which takes its password (and a code, see PasswordForm). */
export function DeleteForm({
  ctx,
  askCode,
  errors = {},
}: {
  ctx: PageContext
  askCode: boolean
  errors?: DeleteFormErrors | undefined
}) {
  const { t } = ctx
  return (
    <section aria-labelledby="delete-heading">
      <h2 id="delete-heading">{t('account.deleteAccount')}</h2>
      <p>{t('account.deleteAccountHint')}</p>
      <PostForm ctx={ctx} action="/account/delete" summaryLevel={3}>
        <Field
          ctx={ctx}
          name="password"
          label="field.password"
          type="password"
          autocomplete="current-password"
          error={errors.password}
        />
        {askCode ? (
          <CodeField
            ctx={ctx}
            name="delete_code"
            hint={t('twoFactor.codeOrRecoveryHint')}
            error={errors.code}
          />
        ) : null}
        <button type="submit" class="danger">
          {t('account.deleteAccountSubmit')}
        </button>
      </PostForm>
    </section>
  )
}
