import type { SessionUser } from '../auth/sessions.js'
import type { Translate } from '../i18n/translate.js'

/** What every page needs from the request: words, the signed-in user, the form token, the time. */
export interface PageContext {
  t: Translate
  user: SessionUser | null
  csrfToken: string
  /** false with REGISTRATION=closed: no page offers to create an account. */
  registrationOpen: boolean
  /** The local path of the page, where the language switcher comes back to. */
  path: string
  /** The app's clock when the page was asked for: times on it say how long ago they were. */
  now: Date
}
