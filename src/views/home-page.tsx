import type { Member } from '../auth/users.js'
import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'

export function SignedOutHomePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <h1>{t('home.welcome')}</h1>
      <p>{t('home.signedOutIntro')}</p>
      <p class="actions">
        <a href="/login" role="button">
          {t('nav.signIn')}
        </a>{' '}
        <a href="/register" role="button" class="secondary">
          {t('nav.register')}
        </a>
      </p>
    </Layout>
  )
}

export function SignedInHomePage({
  ctx,
  username,
  members,
  nextAfterId,
  isFirstPage,
}: {
  ctx: PageContext
  username: string
  members: readonly Member[]
  nextAfterId: number | null
  isFirstPage: boolean
}) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <h1>{t('home.signedInAs', { name: username })}</h1>
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">{t('home.members')}</h2>
        {members.length === 0 ? (
          <p>{t('home.membersEmpty')}</p>
        ) : (
          <ol class="members">
            {members.map((member) => (
              <li key={member.id}>
                <span class="member-name">{member.username}</span>{' '}
                <small>
                  {t('home.joined')}{' '}
                  <time datetime={member.createdAt.toISOString()}>
                    {member.createdAt.toISOString().slice(0, 10)}
                  </time>
                </small>
              </li>
            ))}
          </ol>
        )}
        <nav aria-label={t('home.members')} class="pager">
          {isFirstPage ? null : <a href="/">{t('home.first')}</a>}{' '}
          {nextAfterId === null ? null : (
            <a href={`/?after=${nextAfterId}`} rel="next">
              {t('home.next')}
            </a>
          )}
        </nav>
      </section>
    </Layout>
  )
}
