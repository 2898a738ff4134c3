import type { DeviceDescription } from '../auth/devices.js'
import type { NoticeEventKind } from '../auth/events.js'
import { deviceName } from './device-name.js'
import { Time } from './format.js'
import { Message } from './message.js'
import type { PageContext } from './page-context.js'

/** One thing the session is told of, as the pages show it. */
export interface NoticeView {
  kind: NoticeEventKind
  occurredAt: Date
  ip: string | null
  device: DeviceDescription
}

/**
 * What happened to the account elsewhere since this session last looked (another
 * sign-in, a wrong second-factor code), shown once, on the home or account page,
 * with a way to review the sessions. A region with a heading, not an alert: the page
 * is rendered once, nothing appears on it later.
 */
export function SessionNotices({ ctx, notices }: { ctx: PageContext; notices: NoticeView[] }) {
  if (notices.length === 0) return null
  const { t } = ctx
  return (
    <section id="session-notices" class="session-notices" aria-labelledby="notices-heading">
      <h2 id="notices-heading">{t('notice.title')}</h2>
      <ul>
        {notices.map((notice, index) => (
          <li key={index} data-notice={notice.kind}>
            <Message
              t={t}
              id={`notice.${notice.kind}`}
              slots={{
                device: deviceName(t, notice.device),
                address: notice.ip ?? t('account.unknownAddress'),
                time: <Time t={t} date={notice.occurredAt} now={ctx.now} />,
              }}
            />
          </li>
        ))}
      </ul>
      <p>
        <a href="/account#sessions-heading">{t('notice.review')}</a>
      </p>
    </section>
  )
}
