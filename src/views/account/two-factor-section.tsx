import type { PageContext } from '../page-context.js'

export interface TwoFactorSummary {
  enabled: boolean
  recoveryCodesLeft: number
}

/** Whether a second factor is on, and the way to its page. */
export function TwoFactorSection({
  ctx,
  summary,
}: {
  ctx: PageContext
  summary: TwoFactorSummary
}) {
  const { t } = ctx
  return (
    <section aria-labelledby="two-factor-heading">
      <h2 id="two-factor-heading">{t('twoFactor.title')}</h2>
      {summary.enabled ? (
        <>
          <p id="account-two-factor-status">{t('twoFactor.isOn')}</p>
          <p>{t('twoFactor.recoveryLeft', { count: summary.recoveryCodesLeft })}</p>
          <p>
            <a href="/account/two-factor">{t('twoFactor.manage')}</a>
          </p>
        </>
      ) : (
        <>
          <p id="account-two-factor-status">{t('twoFactor.isOff')}</p>
          <p>
            <a href="/account/two-factor">{t('twoFactor.setUp')}</a>
          </p>
        </>
      )}
    </section>
  )
}
