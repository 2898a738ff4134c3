import { Field } from './field.js'
import { Layout } from './layout.js'
import { Message } from './message.js'
import type { PageContext } from './page-context.js'
import { PasskeySignIn } from './passkey-sign-in.js'
import { PASSKEY_SCRIPTS } from './passkey-scripts.js'
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
    <Layout
      ctx={ctx}
      title={t('login.title')}
      withErrors={Boolean(form.error)}
      scripts={PASSKEY_SCRIPTS}
    >
      <h1>{t('login.title')}</h1>
      <PostForm ctx={ctx} action="/login" error={form.error}>
        {form.next ? <input type="hidden" name="next" value={form.next} /> : null}
        <Field
          ctx={ctx}
          name="username"
          label="field.username"
          type="text"
          value={form.username}
          // "webauthn": browsers that can offer passkeys in the name's autofill do
          // (conditional mediation; public/passkeys.js asks for it).
          autocomplete="username webauthn"
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
      <PasskeySignIn ctx={ctx} />
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
