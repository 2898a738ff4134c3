import { Field } from './field.js'
import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'

// The pages of a link from `logon users reset` (src/http/routes/password-reset.tsx).

export interface PasswordResetForm {
  username: string
  clearsSecondFactor: boolean
  passwordMinLength: number
  error?: string | undefined
}

/** A new password for the account the link was made for. */
export function PasswordResetPage({ ctx, form }: { ctx: PageContext; form: PasswordResetForm }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('reset.title')} withErrors={Boolean(form.error)}>
      <h1>{t('reset.title')}</h1>
      <p>{t('reset.intro', { name: form.username })}</p>
      {form.clearsSecondFactor ? <p>{t('reset.clearsFactor')}</p> : null}
      <PostForm ctx={ctx} action="/password-reset">
        {/* For password managers: the account the new password belongs to. */}
        <input type="hidden" name="username" value={form.username} autocomplete="username" />
        <Field
          ctx={ctx}
          name="new_password"
          label="field.newPassword"
          type="password"
          error={form.error}
          hint={t('register.passwordHint', { min: form.passwordMinLength })}
          autocomplete="new-password"
          minLength={form.passwordMinLength}
        />
        <button type="submit">{t('reset.submit')}</button>
      </PostForm>
    </Layout>
  )
}

/** Expired, used, replaced, or no link at all. */
export function PasswordResetInvalidPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('reset.invalid.title')}>
      <h1>{t('reset.invalid.title')}</h1>
      <p id="reset-invalid">{t('reset.invalid')}</p>
    </Layout>
  )
}

export function PasswordResetDonePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('reset.done.title')}>
      <h1>{t('reset.done.title')}</h1>
      <p id="reset-done">
        {t('reset.done')} <a href="/login">{t('nav.signIn')}</a>
      </p>
    </Layout>
  )
}
