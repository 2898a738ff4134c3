import type { MessageKey } from '../../i18n/translate.js'
import { Field } from '../field.js'
import type { PageContext } from '../page-context.js'

/** The field for a code from the authenticator app (or, where taken, a recovery code). */
export function CodeField({
  ctx,
  name = 'code',
  label = 'field.code',
  hint,
  error,
}: {
  ctx: PageContext
  name?: string
  label?: MessageKey
  hint?: string | undefined
  error?: string | undefined
}) {
  return (
    <Field
      ctx={ctx}
      name={name}
      label={label}
      type="text"
      autocomplete="one-time-code"
      inputMode="numeric"
      hint={hint}
      error={error}
    />
  )
}
