import type { PageContext } from '../page-context.js'

/**
 * Recovery codes, shown once, right after they are made (docs/contract.md: each in a
 * <code> inside id="recovery-codes"). Only their hashes are kept: this page is the
 * only place they are ever seen.
 */
export function RecoveryCodeList({ ctx, codes }: { ctx: PageContext; codes: string[] }) {
  const { t } = ctx
  return (
    <section aria-labelledby="recovery-codes-heading" class="recovery-codes">
      <h2 id="recovery-codes-heading">{t('twoFactor.recoveryCodesTitle')}</h2>
      <p>{t('twoFactor.recoveryCodesOnce')}</p>
      <ol id="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
    </section>
  )
}
