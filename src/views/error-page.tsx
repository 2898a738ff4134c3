import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'

export function ErrorPage({ ctx, message }: { ctx: PageContext; message: string }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('http.errorTitle')}>
      <h1>{t('http.errorTitle')}</h1>
      <p>{message}</p>
      <p>
        <a href="/">{t('http.backHome')}</a>
      </p>
    </Layout>
  )
}
