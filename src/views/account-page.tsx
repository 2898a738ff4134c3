import type { AuthEvent } from '../auth/events.js'
import type { SessionPolicy } from '../config.js'
import { CurrentSession } from './account/current-session.js'
import { DeleteForm, type DeleteFormErrors } from './account/delete-form.js'
import { PasskeyList, type PasskeyView } from './account/passkey-list.js'
import { PasswordForm, type PasswordFormErrors } from './account/password-form.js'
import { SecurityEvents } from './account/security-events.js'
import { SessionList } from './account/session-list.js'
import { TwoFactorSection, type TwoFactorSummary } from './account/two-factor-section.js'
import type { SessionView } from './account/session-view.js'
import { Time } from './format.js'
import { Layout } from './layout.js'
import { Message } from './message.js'
import { PASSKEY_SCRIPTS } from './passkey-scripts.js'
import type { PageContext } from './page-context.js'
import { SessionNotices, type NoticeView } from './session-notices.js'

// The account page, in the order its sections appear; each section is its own
// component under account/.

export type { SessionView } from './account/session-view.js'
export type { PasskeyView } from './account/passkey-list.js'

/** What the page says after a passkey was added, removed or renamed (?passkey=). */
export type PasskeyNotice = 'added' | 'removed' | 'renamed'

const NOTICE_KEYS = {
  added: 'account.passkeyAddedNotice',
  removed: 'account.passkeyRemovedNotice',
  renamed: 'account.passkeyRenamedNotice',
} as const

export interface AccountForms {
  passwordErrors?: PasswordFormErrors
  deleteErrors?: DeleteFormErrors
  deleteError?: string | undefined
  passkeyError?: string | undefined
}

export function AccountPage({
  ctx,
  username,
  notices,
  sessions,
  passkeys,
  notice,
  events,
  lastLockedAt,
  policy,
  passwordMinLength,
  twoFactor,
  askCode,
  forms = {},
}: {
  ctx: PageContext
  username: string
  /** Told once: what happened to the account elsewhere since this session last looked. */
  notices: NoticeView[]
  sessions: SessionView[]
  passkeys: PasskeyView[]
  notice?: PasskeyNotice | undefined
  events: AuthEvent[]
  /** The last time strangers' failures put the account's sign-ins under a wait. */
  lastLockedAt: Date | null
  policy: SessionPolicy
  passwordMinLength: number
  twoFactor: TwoFactorSummary
  /** The second factor is on and the session has not proved itself lately. */
  askCode: boolean
  forms?: AccountForms
}) {
  const { t } = ctx
  const current = sessions.find((s) => s.current)
  const withErrors =
    Object.values(forms.passwordErrors ?? {}).some(Boolean) ||
    Object.values(forms.deleteErrors ?? {}).some(Boolean) ||
    Boolean(forms.passkeyError)
  return (
    <Layout ctx={ctx} title={t('account.title')} withErrors={withErrors} scripts={PASSKEY_SCRIPTS}>
      <h1>{t('account.title')}</h1>
      <p>{t('account.signedInAs', { name: username })}</p>
      <SessionNotices ctx={ctx} notices={notices} />
      {notice ? (
        <p id="passkey-notice" role="status">
          {t(NOTICE_KEYS[notice])}
        </p>
      ) : null}
      {lastLockedAt ? (
        // Two paragraphs, not two sentences glued by a space: Chinese puts none after 。
        <div id="account-lock-notice" role="status">
          <p>
            <Message
              t={t}
              id="account.lockedAt"
              slots={{ time: <Time t={t} date={lastLockedAt} /> }}
            />
          </p>
          <p>{t('account.lockedExplained')}</p>
        </div>
      ) : null}
      {current ? <CurrentSession ctx={ctx} session={current} policy={policy} /> : null}
      <SessionList ctx={ctx} sessions={sessions} />
      <PasskeyList ctx={ctx} passkeys={passkeys} error={forms.passkeyError} />
      <TwoFactorSection ctx={ctx} summary={twoFactor} />
      <PasswordForm
        ctx={ctx}
        passwordMinLength={passwordMinLength}
        askCode={askCode}
        errors={forms.passwordErrors}
      />
      <DeleteForm ctx={ctx} askCode={askCode} errors={forms.deleteErrors} />
      <SecurityEvents ctx={ctx} events={events} />
    </Layout>
  )
}
