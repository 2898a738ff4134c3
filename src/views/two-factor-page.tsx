import { Field } from './field.js'
import { Layout } from './layout.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'
import { CodeField } from './two-factor/code-field.js'
import { RecoveryCodeList } from './two-factor/recovery-code-list.js'

// /account/two-factor: setting up the authenticator app, the factor once on (recovery
// codes left, new ones, turning it off), and the recovery codes right after they
// are made.

export interface TotpSetupView {
  uri: string
  secretForTyping: string
  setupToken: string
  /** The QR code of `uri`, an SVG as a data: URL (made on the server). */
  qrCode: string
}

export interface DisableErrors {
  password?: string | undefined
  code?: string | undefined
}

export type TwoFactorState =
  | { kind: 'setup'; setup: TotpSetupView; codeError?: string | undefined }
  | {
      kind: 'enabled'
      recoveryCodesLeft: number
      disableErrors?: DisableErrors | undefined
    }
  | { kind: 'codes'; codes: string[]; justEnabled: boolean; otherSessionsEnded: number }

export function TwoFactorPage({ ctx, state }: { ctx: PageContext; state: TwoFactorState }) {
  const { t } = ctx
  const withErrors =
    (state.kind === 'setup' && Boolean(state.codeError)) ||
    (state.kind === 'enabled' && Object.values(state.disableErrors ?? {}).some(Boolean))
  return (
    <Layout ctx={ctx} title={t('twoFactor.title')} withErrors={withErrors}>
      <h1>{t('twoFactor.title')}</h1>
      {state.kind === 'setup' ? <Setup ctx={ctx} state={state} /> : null}
      {state.kind === 'enabled' ? <Enabled ctx={ctx} state={state} /> : null}
      {state.kind === 'codes' ? <NewCodes ctx={ctx} state={state} /> : null}
      <p>
        <a href="/account">{t('twoFactor.backToAccount')}</a>
      </p>
    </Layout>
  )
}

function Setup({
  ctx,
  state,
}: {
  ctx: PageContext
  state: Extract<TwoFactorState, { kind: 'setup' }>
}) {
  const { t } = ctx
  const { setup } = state
  return (
    <section aria-labelledby="setup-heading">
      <h2 id="setup-heading">{t('twoFactor.setupTitle')}</h2>
      <p>{t('twoFactor.setupScan')}</p>
      <img class="qr-code" src={setup.qrCode} alt={t('twoFactor.qrAlt')} width={200} height={200} />
      <p>{t('twoFactor.setupType')}</p>
      <p>
        <code id="totp-secret" class="totp-secret">
          {setup.secretForTyping}
        </code>
      </p>
      <p>
        {/* On a phone, the link opens the authenticator app with the key. */}
        <a id="otpauth-uri" href={setup.uri}>
          {t('twoFactor.setupUri')}
        </a>
      </p>
      <PostForm ctx={ctx} action="/account/two-factor" summaryLevel={3}>
        <input type="hidden" name="setup" value={setup.setupToken} />
        <CodeField ctx={ctx} hint={t('twoFactor.codeHint')} error={state.codeError} />
        <button type="submit">{t('twoFactor.enable')}</button>
      </PostForm>
    </section>
  )
}

function Enabled({
  ctx,
  state,
}: {
  ctx: PageContext
  state: Extract<TwoFactorState, { kind: 'enabled' }>
}) {
  const { t } = ctx
  const errors = state.disableErrors ?? {}
  return (
    <>
      <p id="two-factor-status" role="status">
        {t('twoFactor.isOn')}
      </p>
      <section aria-labelledby="recovery-heading">
        <h2 id="recovery-heading">{t('twoFactor.recoveryTitle')}</h2>
        <p>{t('twoFactor.recoveryLeft', { count: state.recoveryCodesLeft })}</p>
        <PostForm ctx={ctx} action="/account/two-factor/recovery-codes" summaryLevel={3}>
          <p>{t('twoFactor.renewHint')}</p>
          <button type="submit" class="secondary">
            {t('twoFactor.renew')}
          </button>
        </PostForm>
      </section>
      <section aria-labelledby="disable-heading">
        <h2 id="disable-heading">{t('twoFactor.disableTitle')}</h2>
        <p>{t('twoFactor.disableHint')}</p>
        <PostForm ctx={ctx} action="/account/two-factor/disable" summaryLevel={3}>
          <Field
            ctx={ctx}
            name="password"
            label="field.password"
            type="password"
            autocomplete="current-password"
            error={errors.password}
          />
          <CodeField ctx={ctx} hint={t('twoFactor.codeOrRecoveryHint')} error={errors.code} />
          <button type="submit" class="danger">
            {t('twoFactor.disable')}
          </button>
        </PostForm>
      </section>
    </>
  )
}

function NewCodes({
  ctx,
  state,
}: {
  ctx: PageContext
  state: Extract<TwoFactorState, { kind: 'codes' }>
}) {
  const { t } = ctx
  return (
    <>
      <p id="two-factor-status" role="status">
        {state.justEnabled ? t('twoFactor.nowOn') : t('twoFactor.renewed')}
        {state.otherSessionsEnded > 0 ? ` ${t('twoFactor.othersEnded')}` : null}
      </p>
      <RecoveryCodeList ctx={ctx} codes={state.codes} />
    </>
  )
}
