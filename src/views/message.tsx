import type { ComponentChildren } from 'preact'
import type { MessageKey, Translate } from '../i18n/translate.js'

// Where a sentence holds an element (a <time>), the element goes in the place the
// language's message puts its placeholder: each language orders its own sentence,
// instead of a view gluing English halves around the element. The text on either
// side is rendered as text, escaped like any other.

// Stands for the element while the message is filled; no message or value holds it.
const SLOT = '\u0000slot\u0000'

/** The message `id`, its `{slot}` placeholder replaced by `children`. */
export function Message({
  t,
  id,
  slot,
  params = {},
  children,
}: {
  t: Translate
  id: MessageKey
  slot: string
  params?: Record<string, string | number>
  children: ComponentChildren
}) {
  const [before = '', ...after] = t(id, { ...params, [slot]: SLOT }).split(SLOT)
  return (
    <>
      {before}
      {after.length > 0 ? children : null}
      {after.join('')}
    </>
  )
}
