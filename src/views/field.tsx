import type { MessageKey } from '../i18n/translate.js'
import type { PageContext } from './page-context.js'

/** A labelled input whose error and hint are tied to it for assistive technology. */
export function Field({
  ctx,
  name,
  label,
  type,
  value,
  error,
  hint,
  autocomplete,
  minLength,
}: {
  ctx: PageContext
  name: string
  label: MessageKey
  type: 'text' | 'password'
  value?: string
  error?: string | undefined
  hint?: string | undefined
  autocomplete: string
  minLength?: number
}) {
  const errorId = `${name}-error`
  const hintId = `${name}-hint`
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ')
  return (
    <label>
      {ctx.t(label)}
      <input
        // Preact's types tie some attributes to the input type; both types here take the
        // same ones. (The type-aware lint reads the union as assignable; tsc does not.)
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion
        type={type as 'text'}
        name={name}
        id={name}
        value={value}
        required
        autocomplete={autocomplete}
        minLength={minLength}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {error ? (
        <small id={errorId} class="field-error" role="alert">
          {error}
        </small>
      ) : null}
      {hint ? <small id={hintId}>{hint}</small> : null}
    </label>
  )
}
