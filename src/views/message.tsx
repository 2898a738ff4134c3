import type { ComponentChildren } from 'preact'
import type { MessageKey, Translate } from '../i18n/translate.js'

// Where a sentence holds an element (a <time>, a link), the element goes in the place
// the language's message puts its placeholder: each language orders its own sentence,
// instead of a view gluing English halves around the element. The text on either
// side is rendered as text, escaped like any other.

// Stands for the n-th element while the message is filled: U+FDD0 is a noncharacter,
// kept for a program's own use, not for text it exchanges. No message holds one, nor
// does a value the views pass (names follow the username rules: letters, marks, digits).
const marker = (n: number) => `\uFDD0${n}\uFDD0`
const MARKERS = /\uFDD0(\d+)\uFDD0/

/** The message `id`, each `{name}` of `slots` replaced by its element, the others by `params`. */
export function Message({
  t,
  id,
  slots,
  params = {},
}: {
  t: Translate
  id: MessageKey
  slots: Record<string, ComponentChildren>
  params?: Record<string, string | number>
}) {
  const elements = Object.values(slots)
  const markers = Object.fromEntries(Object.keys(slots).map((name, n) => [name, marker(n)]))
  // split with a capture group: text, index, text, index, …, text.
  const parts = t(id, { ...params, ...markers }).split(MARKERS)
  return <>{parts.map((part, i) => (i % 2 === 0 ? part : elements[Number(part)]))}</>
}
