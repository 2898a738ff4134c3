import type { ComponentChildren } from 'preact'
import { LanguageSwitcher } from './language-switcher.js'
import type { PageContext } from './page-context.js'
import { PostForm } from './post-form.js'

/**
 * The page around `children`. A page showing a form that came back with errors says
 * `withErrors`: its title starts with "Error: ", the first words a screen reader says
 * of the page it lands on, and what the tab and the history show.
 */
export function Layout({
  ctx,
  title,
  withErrors = false,
  scripts = [],
  children,
}: {
  ctx: PageContext
  title: string
  withErrors?: boolean
  /**
   * Scripts of this site (CSP script-src 'self', never inline), run once the page is
   * parsed. Only the pages with passkeys have any; each works without them too.
   */
  scripts?: readonly string[]
  children: ComponentChildren
}) {
  const { t, user } = ctx
  const pageTitle = withErrors ? t('title.withErrors', { title }) : title
  return (
    <html lang={t.locale}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* Both schemes from the first paint: no white flash before the styles in the dark. */}
        <meta name="color-scheme" content="light dark" />
        <title>{`${pageTitle} · ${t('app.name')}`}</title>
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/assets/pico.classless.min.css" />
        <link rel="stylesheet" href="/assets/app.css" />
        {scripts.map((src) => (
          <script key={src} src={src} defer />
        ))}
      </head>
      <body>
        <a class="skip-link" href="#main">
          {t('nav.skipToContent')}
        </a>
        <header>
          <nav>
            <ul>
              <li>
                <a href="/" class="brand">
                  <strong>{t('app.name')}</strong>
                </a>
              </li>
            </ul>
            <ul>
              {user ? (
                <>
                  <li>
                    <a href="/account">{t('nav.account')}</a>
                  </li>
                  <li>
                    <PostForm ctx={ctx} action="/logout" class="inline-form">
                      <button type="submit" class="secondary">
                        {t('nav.signOut')}
                      </button>
                    </PostForm>
                  </li>
                </>
              ) : (
                <>
                  <li>
                    <a href="/login">{t('nav.signIn')}</a>
                  </li>
                  {ctx.registrationOpen && (
                    <li>
                      <a href="/register">{t('nav.register')}</a>
                    </li>
                  )}
                </>
              )}
            </ul>
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer>
          <LanguageSwitcher ctx={ctx} />
        </footer>
      </body>
    </html>
  )
}
