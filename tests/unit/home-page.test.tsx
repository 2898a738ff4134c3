import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import type { Member } from '../../src/auth/users.js'
import { translator } from '../../src/i18n/translate.js'
import { SignedInHomePage } from '../../src/views/home-page.js'
import { renderDocument } from '../../src/views/render.js'

// The members list is rendered once per kept page and reused as HTML
// (dangerouslySetInnerHTML): it must stay escaped and stay per page.

const t = translator('en')
const ctx = {
  t,
  user: { id: 1, username: 'viewer' },
  csrfToken: 'token',
  registrationOpen: true,
  path: '/',
  now: new Date('2026-01-03T00:00:00Z'),
}
const HOSTILE = `<img src=x onerror="alert(1)">&'`

function page(members: readonly Member[]) {
  return renderDocument(
    <SignedInHomePage
      ctx={ctx}
      username="viewer"
      notices={[]}
      members={members}
      nextAfterId={null}
      isFirstPage={true}
    />,
  )
}

const member = (id: number, username: string): Member => ({
  id,
  username,
  createdAt: new Date('2026-01-02T03:04:05Z'),
})

describe('the members list', () => {
  test('escapes a name, reused or not', () => {
    const members = Object.freeze([member(2, HOSTILE)])
    for (const html of [page(members), page(members)]) {
      assert.ok(!html.includes('<img'), 'no markup from a name')
      assert.ok(html.includes('&lt;img src=x onerror=&quot;alert(1)&quot;>&amp;'), html)
      assert.match(html, /<time datetime="2026-01-02T03:04:05.000Z">Jan 2, 2026<\/time>/)
    }
  })

  test('each page shows its own members, the same page the same HTML', () => {
    const first = Object.freeze([member(3, 'carol'), member(2, 'bob')])
    const second = Object.freeze([member(1, 'alice')])
    const firstHtml = page(first)
    assert.equal(page(first), firstHtml)
    const secondHtml = page(second)
    assert.match(firstHtml, /carol[\s\S]*bob/)
    assert.ok(!firstHtml.includes('alice'))
    assert.ok(secondHtml.includes('alice') && !secondHtml.includes('carol'))
    assert.equal((firstHtml.match(/class="member-name"/g) ?? []).length, 2)
  })
})
