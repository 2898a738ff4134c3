import type { AuthEvent } from '../auth/events.js'
import type { DeviceDescription } from '../auth/devices.js'
import type { SessionPolicy } from '../config.js'
import { Field } from './field.js'
import { Time, formatDuration } from './format.js'
import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'

export interface SessionView {
  id: string
  current: boolean
  device: DeviceDescription
  ip: string | null
  createdAt: Date
  lastSeenAt: Date
  endsAt: Date
  remember: boolean
}

export interface AccountForms {
  passwordErrors?: { current_password?: string | undefined; new_password?: string | undefined }
  deleteError?: string | undefined
}

function deviceName(ctx: PageContext, device: DeviceDescription): string {
  const { t } = ctx
  if (device.browser && device.os)
    return t('account.deviceOn', { browser: device.browser, os: device.os })
  return device.browser ?? device.os ?? t('account.unknownDevice')
}

function CurrentSession({
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
          <Time date={session.createdAt} />
        </dd>
        <dt>{t('account.lastActive')}</dt>
        <dd>
          <Time date={session.lastSeenAt} />
        </dd>
        <dt>{t('account.endsAt')}</dt>
        <dd id="session-ends">
          <Time date={session.endsAt} />{' '}
          {session.remember ? null : (
            <small>
              {t('account.endsAtIdle', {
                absolute: formatDuration(policy.absoluteTimeoutSeconds, t),
              })}
            </small>
          )}
        </dd>
      </dl>
    </section>
  )
}

function SessionList({ ctx, sessions }: { ctx: PageContext; sessions: SessionView[] }) {
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
              <td>{deviceName(ctx, session.device)}</td>
              <td>{session.ip ?? t('account.unknownAddress')}</td>
              <td>
                <Time date={session.createdAt} />
              </td>
              <td>
                <Time date={session.lastSeenAt} />
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
                        device: deviceName(ctx, session.device),
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

function RecentEvents({ ctx, events }: { ctx: PageContext; events: AuthEvent[] }) {
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
              <tr key={index}>
                <td>
                  <Time date={event.occurredAt} />
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

export function AccountPage({
  ctx,
  username,
  sessions,
  events,
  lastLockedAt,
  policy,
  passwordMinLength,
  forms = {},
}: {
  ctx: PageContext
  username: string
  sessions: SessionView[]
  events: AuthEvent[]
  /** The last time strangers' failures put the account's sign-ins under a wait. */
  lastLockedAt: Date | null
  policy: SessionPolicy
  passwordMinLength: number
  forms?: AccountForms
}) {
  const { t } = ctx
  const current = sessions.find((s) => s.current)
  return (
    <Layout ctx={ctx} title={t('account.title')}>
      <h1>{t('account.title')}</h1>
      <p>{t('account.signedInAs', { name: username })}</p>
      {lastLockedAt ? (
        <p id="account-lock-notice" role="status">
          {t('account.lockedAt')} <Time date={lastLockedAt} />. {t('account.lockedExplained')}
        </p>
      ) : null}
      {current ? <CurrentSession ctx={ctx} session={current} policy={policy} /> : null}
      <SessionList ctx={ctx} sessions={sessions} />
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">{t('account.changePassword')}</h2>
        <p>{t('account.changePasswordHint')}</p>
        <PostForm ctx={ctx} action="/account/password">
          <Field
            ctx={ctx}
            name="current_password"
            label="field.currentPassword"
            type="password"
            autocomplete="current-password"
            error={forms.passwordErrors?.current_password}
          />
          <Field
            ctx={ctx}
            name="new_password"
            label="field.newPassword"
            type="password"
            autocomplete="new-password"
            minLength={passwordMinLength}
            error={forms.passwordErrors?.new_password}
            hint={t('register.passwordHint', { min: passwordMinLength })}
          />
          <button type="submit">{t('account.changePasswordSubmit')}</button>
        </PostForm>
      </section>
      <section aria-labelledby="delete-heading">
        <h2 id="delete-heading">{t('account.deleteAccount')}</h2>
        <p>{t('account.deleteAccountHint')}</p>
        <PostForm ctx={ctx} action="/account/delete">
          <Field
            ctx={ctx}
            name="password"
            label="field.password"
            type="password"
            autocomplete="current-password"
            error={forms.deleteError}
          />
          <button type="submit" class="danger">
            {t('account.deleteAccountSubmit')}
          </button>
        </PostForm>
      </section>
      <RecentEvents ctx={ctx} events={events} />
    </Layout>
  )
}
