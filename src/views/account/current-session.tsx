import type { SessionPolicy } from '../../config.js'
import { Time, formatDuration } from '../format.js'
import { Message } from '../message.js'
import type { PageContext } from '../page-context.js'
import type { SessionView } from './session-view.js'

/** The session of this browser: when it began, and when and why it ends. */
export function CurrentSession({
  ctx,
  session,
  policy,
}: {
  ctx: PageContext
  session: SessionView
  policy: SessionPolicy
}) {
  const { t } = ctx
  return (
    <section aria-labelledby="current-heading">
      <h2 id="current-heading">{t('account.currentSession')}</h2>
      <p>
        {t('account.sessionExplained', {
          idle: formatDuration(policy.idleTimeoutSeconds, t),
          absolute: formatDuration(policy.absoluteTimeoutSeconds, t),
          remember: formatDuration(policy.rememberTimeoutSeconds, t),
        })}
      </p>
      {session.remember ? <p>{t('account.rememberExplained')}</p> : null}
      <dl class="session-times">
        <dt>{t('account.signedInAt')}</dt>
        <dd>
          <Time t={t} date={session.createdAt} />
        </dd>
        <dt>{t('account.lastActive')}</dt>
        <dd>
          <Time t={t} date={session.lastSeenAt} now={ctx.now} />
        </dd>
        <dt>{t('account.endsAt')}</dt>
        <dd id="session-ends">
          {session.remember ? (
            <Time t={t} date={session.endsAt} />
          ) : (
            <Message
              t={t}
              id="account.endsAtIdle"
              slots={{ time: <Time t={t} date={session.endsAt} /> }}
              params={{ absolute: formatDuration(policy.absoluteTimeoutSeconds, t) }}
            />
          )}
        </dd>
      </dl>
    </section>
  )
}
