import { Field } from '../field.js'
import type { PageContext } from '../page-context.js'
import { PostForm } from '../post-form.js'

/** Deleting the account, which takes its password. */
export function DeleteForm({ ctx, error }: { ctx: PageContext; error: string | undefined }) {
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
          error={error}
        />
        <button type="submit" class="danger">
          {t('account.deleteAccountSubmit')}
        </button>
      </PostForm>
    </section>
  )
}
