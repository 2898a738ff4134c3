import { isValidElement, toChildArray, type ComponentChildren, type VNode } from 'preact'
import { Field, type FieldProps } from './field.js'
import type { PageContext } from './page-context.js'

interface FieldError {
  id: string
  message: string
}

/**
 * The errors of the Fields among `children`, in the order they appear, found in the
 * elements themselves: a form's summary then lists exactly what its fields show,
 * with no second list for a caller to keep in step.
 */
function fieldErrors(children: ComponentChildren): FieldError[] {
  const found: FieldError[] = []
  for (const child of toChildArray(children)) {
    if (!isValidElement(child)) continue
    const field = fieldProps(child)
    if (field) {
      if (field.error) found.push({ id: field.name, message: field.error })
    } else {
      found.push(...fieldErrors((child.props as { children?: ComponentChildren }).children))
    }
  }
  return found
}

/** The props of `element` when it is a Field. */
function fieldProps(element: VNode): FieldProps | undefined {
  return element.type === Field ? (element.props as unknown as FieldProps) : undefined
}

/**
 * What went wrong, at the top of the form the page came back with: a heading that
 * names the summary (aria-labelledby), the form's own error, then each field's as a
 * link to that field. There is no script to move focus to it, so `autofocus` does (a
 * focusable element, tabindex -1, outside the tab order); role="alert" has it
 * announced where focus is not followed. The fields' own messages (Field) carry no
 * role: they are read when each field is reached.
 */
function ErrorSummary({
  ctx,
  id,
  level,
  error,
  fields,
}: {
  ctx: PageContext
  id: string
  level: HeadingLevel
  error: string | undefined
  fields: FieldError[]
}) {
  const Heading = level === 3 ? 'h3' : 'h2'
  const headingId = `${id}-heading`
  return (
    <div class="error-summary" role="alert" aria-labelledby={headingId} tabindex={-1} autofocus>
      <Heading id={headingId}>{ctx.t('form.errorSummary')}</Heading>
      {error ? <p class="form-error">{error}</p> : null}
      {fields.length > 0 ? (
        <ul>
          {fields.map((field) => (
            <li key={field.id}>
              <a href={`#${field.id}`}>{field.message}</a>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  )
}

/** The level of the summary's heading: one below the heading the form stands under. */
type HeadingLevel = 2 | 3

/**
 * Every form that changes state: a POST carrying the anti-forgery token as a hidden
 * input (docs/contract.md: clients submit every hidden input of the form they loaded),
 * with an error summary at its top when the form has an error or its fields do. A
 * form under the page's h1 gets an h2 for its summary (the default); a form in a
 * section with an h2 of its own (the account page's) says `summaryLevel={3}`.
 */
export function PostForm({
  ctx,
  action,
  error,
  summaryLevel = 2,
  class: className,
  children,
}: {
  ctx: PageContext
  action: string
  error?: string | undefined
  summaryLevel?: HeadingLevel
  class?: string
  children: ComponentChildren
}) {
  const fields = fieldErrors(children)
  // "/account/password" → "account-password-errors": one id per form of a page.
  const summaryId = `${action.replace(/^\//, '').replace(/[^A-Za-z0-9]+/g, '-')}-errors`
  return (
    <form method="post" action={action} class={className}>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      {error || fields.length > 0 ? (
        <ErrorSummary ctx={ctx} id={summaryId} level={summaryLevel} error={error} fields={fields} />
      ) : null}
      {children}
    </form>
  )
}
