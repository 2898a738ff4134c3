import type { AuthEvent } from '../../auth/events.js'
import { Time } from '../format.js'
import type { PageContext } from '../page-context.js'

/** The account's recent security events: sign-ins, failures, changes. */
export function SecurityEvents({ ctx, events }: { ctx: PageContext; events: AuthEvent[] }) {
  const { t } = ctx
  return (
    <section aria-labelledby="events-heading">
      <h2 id="events-heading">{t('account.events')}</h2>
      {events.length === 0 ? (
        <p>{t('account.noEvents')}</p>
      ) : (
        <table class="events">
          <thead>
            <tr>
              <th scope="col">{t('account.eventWhen')}</th>
              <th scope="col">{t('account.eventWhat')}</th>
              <th scope="col">{t('account.address')}</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event, index) => (
              <tr key={index} data-event={event.kind}>
                <td>
                  <Time t={t} date={event.occurredAt} now={ctx.now} />
                </td>
                <td>{t(`event.${event.kind}`)}</td>
                <td>{event.ip ?? t('account.unknownAddress')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  )
}
