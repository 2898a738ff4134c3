import { describeDevice } from '../auth/devices.js'
import type { Session, Sessions } from '../auth/sessions.js'
import type { NoticeView } from '../views/session-notices.js'

const NONE: NoticeView[] = []

/**
 * The notices a page shows its session, spent by showing them (sessions.takeNotices):
 * no query, the common case, when none waits.
 */
export async function takeNoticeViews(sessions: Sessions, session: Session): Promise<NoticeView[]> {
  const notices = await sessions.takeNotices(session)
  if (notices.length === 0) return NONE
  return notices.map(({ userAgent, ...notice }) => ({
    ...notice,
    device: describeDevice(userAgent),
  }))
}
