import { Field } from './field.js'
import { Layout } from './layout.js'
import { Message } from './message.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'

export interface RegisterForm {
  username: string
  errors: {
    username?: string | undefined
    password?: string | undefined
    form?: string | undefined
  }
  passwordMinLength: number
}

/** What /register shows with REGISTRATION=closed: no form, nothing to submit. */
export function RegistrationClosedPage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('register.title')}>
      <h1>{t('register.title')}</h1>
      <p id="registration-closed">{t('register.closed')}</p>
      <p>
        <Message
          t={t}
          id="register.haveAccount"
          slots={{ link: <a href="/login">{t('nav.signIn')}</a> }}
        />
      </p>
    </Layout>
  )
}

export function RegisterPage({ ctx, form }: { ctx: PageContext; form: RegisterForm }) {
  const { t } = ctx
  const withErrors = Object.values(form.errors).some(Boolean)
  return (
    <Layout ctx={ctx} title={t('register.title')} withErrors={withErrors}>
      <h1>{t('register.title')}</h1>
      <PostForm ctx={ctx} action="/register" error={form.errors.form}>
        <Field
          ctx={ctx}
          name="username"
          label="field.username"
          type="text"
          value={form.username}
          error={form.errors.username}
          hint={t('register.usernameHint')}
          autocomplete="username"
        />
        <Field
          ctx={ctx}
          name="password"
          label="field.password"
          type="password"
          error={form.errors.password}
          hint={t('register.passwordHint', { min: form.passwordMinLength })}
          autocomplete="new-password"
          minLength={form.passwordMinLength}
        />
        <button type="submit">{t('register.submit')}</button>
      </PostForm>
      <p>
        <Message
          t={t}
          id="register.haveAccount"
          slots={{ link: <a href="/login">{t('nav.signIn')}</a> }}
        />
      </p>
    </Layout>
  )
}
