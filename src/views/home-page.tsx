import { renderToString } from 'preact-render-to-string'
import type { Member } from '../auth/users.js'
import type { Translate } from '../i18n/translate.js'
import { DateOnly } from './format.js'
import { Layout } from './layout.js'
import { Message } from './message.js'
import type { PageContext } from './page-context.js'
import { SessionNotices, type NoticeView } from './session-notices.js'

function MemberItem({ member, t }: { member: Member; t: Translate }) {
  return (
    <li>
      <span class="member-name">{member.username}</span>{' '}
      <small>
        <Message
          t={t}
          id="home.joined"
          slots={{ date: <DateOnly t={t} date={member.createdAt} /> }}
        />
      </small>
    </li>
  )
}

// A page of members is the same for every viewer, and kept pages are shared and
// never changed (listMembers): their items are rendered once per page and language,
// by the same escaping renderer, and the HTML reused. Keyed by the page's array,
// so an entry goes when the page leaves the cache.
const renderedItems = new WeakMap<readonly Member[], Map<Translate, string>>()

function renderedMemberItems(members: readonly Member[], t: Translate): string {
  let byLanguage = renderedItems.get(members)
  if (!byLanguage) renderedItems.set(members, (byLanguage = new Map<Translate, string>()))
  let html = byLanguage.get(t)
  if (html === undefined) {
    html = renderToString(
      <>
        {members.map((member) => (
          <MemberItem key={member.id} member={member} t={t} />
        ))}
      </>,
    )
    byLanguage.set(t, html)
  }
  return html
}

export function SignedOutHomePage({ ctx }: { ctx: PageContext }) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      <h1>{t('home.welcome')}</h1>
      <p>{t('home.signedOutIntro')}</p>
      <p class="actions">
        <a href="/login" role="button">
          {t('nav.signIn')}
        </a>
        {ctx.registrationOpen && (
          <>
            {' '}
            <a href="/register" role="button" class="secondary">
              {t('nav.register')}
            </a>
          </>
        )}
      </p>
    </Layout>
  )
}

export function SignedInHomePage({
  ctx,
  username,
  notices,
  members,
  nextAfterId,
  isFirstPage,
}: {
  ctx: PageContext
  username: string
  /** Told once: what happened to the account elsewhere since this session last looked. */
  notices: NoticeView[]
  members: readonly Member[]
  nextAfterId: number | null
  isFirstPage: boolean
}) {
  const { t } = ctx
  return (
    <Layout ctx={ctx} title={t('home.title')}>
      {/* data-signed-in-as: who is signed in, for checks that must not depend on the wording */}
      <h1 data-signed-in-as={username}>{t('home.signedInAs', { name: username })}</h1>
      <SessionNotices ctx={ctx} notices={notices} />
      <section aria-labelledby="members-heading">
        <h2 id="members-heading">{t('home.members')}</h2>
        {members.length === 0 ? (
          <p>{t('home.membersEmpty')}</p>
        ) : (
          <ol
            class="members"
            dangerouslySetInnerHTML={{ __html: renderedMemberItems(members, t) }}
          />
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
