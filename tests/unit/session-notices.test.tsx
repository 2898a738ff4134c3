import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { renderToString } from 'preact-render-to-string'
import { translator } from '../../src/i18n/translate.js'
import { SessionNotices, type NoticeView } from '../../src/views/session-notices.js'

// The notices of other sign-ins and wrong second-factor codes: what a stranger
// chose (the User-Agent a browser name comes from, an address) is shown as text.

const HOSTILE = `<img src=x onerror="alert(1)">&'`
const NOW = new Date('2026-01-03T00:10:00Z')

function render(locale: 'en' | 'zh-CN', notices: NoticeView[]) {
  const ctx = {
    t: translator(locale),
    user: { id: 1, username: 'viewer' },
    csrfToken: 'token',
    registrationOpen: true,
    path: '/',
    now: NOW,
  }
  return renderToString(<SessionNotices ctx={ctx} notices={notices} />)
}

const signIn: NoticeView = {
  kind: 'signed_in',
  occurredAt: new Date('2026-01-03T00:08:00Z'),
  ip: '192.0.2.9',
  device: { browser: 'Firefox', os: 'Linux' },
}

describe('the session notices', () => {
  test('say which device, address and time, in a region with a link to the sessions', () => {
    const html = render('en', [signIn])
    assert.match(html, /<section id="session-notices"[^>]*aria-labelledby="notices-heading"/)
    assert.match(
      html,
      /<li data-notice="signed_in">A new sign-in: Firefox on Linux, from 192\.0\.2\.9, /,
    )
    assert.match(html, /<time datetime="2026-01-03T00:08:00.000Z">/)
    assert.ok(html.includes('2 minutes ago'), html)
    assert.match(html, /<a href="\/account#sessions-heading">Review your sessions<\/a>/)
  })

  test('escape what a client chose', () => {
    const html = render('en', [{ ...signIn, ip: HOSTILE, device: { browser: HOSTILE, os: null } }])
    assert.ok(!html.includes('<img'), html)
    assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;>&amp;'), html)
  })

  test('are in the reader’s language, a wrong second-factor code as well', () => {
    const html = render('zh-CN', [
      { ...signIn, kind: 'two_factor_failed', ip: null, device: { browser: null, os: null } },
    ])
    assert.ok(html.includes('第二步验证码输入错误：未知设备'), html)
    assert.ok(html.includes('查看你的会话'), html)
  })

  test('render nothing when there is nothing to tell', () => {
    assert.equal(render('en', []), '')
  })
})
