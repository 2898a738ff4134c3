import { LOCALES, type Locale } from '../i18n/translate.js'
import type { PageContext } from './page-context.js'

// Each language is named in itself, so that a reader who cannot read the page still
// finds their own; the current one is marked, not linked.
const OWN_NAMES: Record<Locale, string> = { en: 'English', 'zh-CN': '简体中文' }

/** Links to this page in each language (GET /language/:locale, see src/http/language.ts). */
export function LanguageSwitcher({ ctx }: { ctx: PageContext }) {
  return (
    <nav aria-label={ctx.t('nav.language')} class="language-switcher">
      <ul>
        {LOCALES.map((locale) => (
          <li key={locale}>
            {locale === ctx.t.locale ? (
              <strong lang={locale} aria-current="true">
                {OWN_NAMES[locale]}
              </strong>
            ) : (
              <a
                href={`/language/${locale}?next=${encodeURIComponent(ctx.path)}`}
                lang={locale}
                hreflang={locale}
              >
                {OWN_NAMES[locale]}
              </a>
            )}
          </li>
        ))}
      </ul>
    </nav>
  )
}
