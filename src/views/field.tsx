import type { MessageKey } from '../i18n/translate.js'
import type { PageContext } from './page-context.js'

export interface FieldProps {
  ctx: PageContext
  /** The input's name, and its id: the error summary links to `#<name>`. */
  name: string
  label: MessageKey
  type: 'text' | 'password'
  value?: string
  error?: string | undefined
  hint?: string | undefined
  autocomplete: string
  minLength?: number
  /** 'numeric' for a code: phones show digits. */
  inputMode?: 'numeric' | undefined
}

/**
 * A labelled input whose error and hint are tied to it for assistive technology
 * (aria-describedby: the error first, then the hint). The label names the input
 * alone (`for`, not wrapping): a wrapping label would fold the hint and the error
 * into the input's name.
 *
 * The error comes last, under the hint: when a form comes back with an error, the
 * field's own lines (label, input, hint) keep their places and the error is added
 * below them. The form's error summary (PostForm) lists the same message, linked here.
 */
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
  inputMode,
}: FieldProps) {
  const errorId = `${name}-error`
  const hintId = `${name}-hint`
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ')
  return (
    <div class="field">
      <label for={name}>{ctx.t(label)}</label>
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
        inputMode={inputMode}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy || undefined}
      />
      {hint ? (
        <small id={hintId} class="field-hint">
          {hint}
        </small>
      ) : null}
      {error ? (
        <small id={errorId} class="field-error">
          {error}
        </small>
      ) : null}
    </div>
  )
}
