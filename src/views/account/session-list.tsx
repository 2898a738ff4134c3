import { deviceName } from '../device-name.js'
import { Time } from '../format.js'
import type { PageContext } from '../page-context.js'
import { PostForm } from '../post-form.js'
import type { SessionView } from './session-view.js'

/** Every live session of the account, each but this one with a button that ends it. */
export function SessionList({ ctx, sessions }: { ctx: PageContext; sessions: SessionView[] }) {
  const { t } = ctx
  const others = sessions.filter((s) => !s.current)
  return (
    <section aria-labelledby="sessions-heading">
      <h2 id="sessions-heading">{t('account.sessions')}</h2>
      <table class="sessions">
        <thead>
          <tr>
            <th scope="col">{t('account.device')}</th>
            <th scope="col">{t('account.address')}</th>
            <th scope="col">{t('account.signedInAt')}</th>
            <th scope="col">{t('account.lastSeen')}</th>
            <th scope="col">
              <span class="visually-hidden">{t('account.revoke')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {sessions.map((session) => (
            <tr key={session.id} aria-current={session.current ? 'true' : undefined}>
              <td>{deviceName(t, session.device)}</td>
              <td>{session.ip ?? t('account.unknownAddress')}</td>
              <td>
                <Time t={t} date={session.createdAt} />
              </td>
              <td>
                <Time t={t} date={session.lastSeenAt} now={ctx.now} />
              </td>
              <td>
                {session.current ? (
                  <strong>{t('account.thisDevice')}</strong>
                ) : (
                  <PostForm ctx={ctx} action="/account/sessions/revoke" class="inline-form">
                    <input type="hidden" name="session" value={session.id} />
                    <button
                      type="submit"
                      class="secondary"
                      aria-label={t('account.revokeLabel', {
                        device: deviceName(t, session.device),
                      })}
                    >
                      {t('account.revoke')}
                    </button>
                  </PostForm>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {others.length === 0 ? (
        <p>{t('account.noOtherSessions')}</p>
      ) : (
        <PostForm ctx={ctx} action="/account/sessions/revoke">
          <input type="hidden" name="all-others" value="1" />
          <button type="submit" class="secondary">
            {t('account.revokeOthers')}
          </button>
        </PostForm>
      )}
    </section>
  )
}
