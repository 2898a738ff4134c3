import { Field } from './field.js'
import { Layout } from './layout.js'
import { Message } from './message.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'

export interface LoginForm {
  username: string
  next: string | undefined
  remember: boolean
  error?: string | undefined
}

export function LoginPage({ ctx, form }: { ctx: PageContext; form: LoginForm }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('login.title')} withErrors={Boolean(form.error)}>
      <h1>{t('login.title')}</h1>
      <PostForm ctx={ctx} action="/login" error={form.error}>
        {form.next ? <input type="hidden" name="next" value={form.next} /> : null}
        <Field
          ctx={ctx}
          name="username"
          label="field.username"
          type="text"
          value={form.username}
          autocomplete="username"
        />
        <Field
          ctx={ctx}
          name="password"
          label="field.password"
          type="password"
          autocomplete="current-password"
        />
        <label>
          <input type="checkbox" name="remember" value="on" checked={form.remember} />
          {t('login.remember')}
        </label>
        <button type="submit">{t('login.submit')}</button>
      </PostForm>
      {ctx.registrationOpen && (
        <p>
          <Message
            t={t}
            id="login.noAccount"
            slots={{ link: <a href="/register">{t('nav.register')}</a> }}
          />
        </p>
      )}
    </Layout>
  )
}
