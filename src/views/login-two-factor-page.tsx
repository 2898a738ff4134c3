import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'
import { CodeField } from './two-factor/code-field.js'

/** The second step of signing in: a code from the app, or a recovery code. */
export function LoginTwoFactorPage({
  ctx,
  error,
}: {
  ctx: PageContext
  error?: string | undefined
}) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('loginTwoFactor.title')} withErrors={Boolean(error)}>
      <h1>{t('loginTwoFactor.title')}</h1>
      <p>{t('loginTwoFactor.explain')}</p>
      <PostForm ctx={ctx} action="/login/two-factor">
        <CodeField ctx={ctx} hint={t('twoFactor.codeOrRecoveryHint')} error={error} />
        <button type="submit">{t('loginTwoFactor.submit')}</button>
      </PostForm>
      <p>
        <a href="/login">{t('loginTwoFactor.startOver')}</a>
      </p>
    </Layout>
  )
}
