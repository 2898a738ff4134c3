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
 * What went wrong, at the top of the form the page came back with: the form's own
 * error, then each field's as a link to that field. There is no script to move focus
 * to it, so `autofocus` does (a focusable element, tabindex -1, outside the tab
 * order); role="alert" has it announced where focus is not followed. The fields'
 * own messages (Field) carry no role: they are read when each field is reached.
 */
function ErrorSummary({ error, fields }: { error: string | undefined; fields: FieldError[] }) {
  return (
    <div class="error-summary" role="alert" tabindex={-1} autofocus>
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

/**
 * Every form that changes state: a POST carrying the anti-forgery token as a hidden
 * input (docs/contract.md: clients submit every hidden input of the form they loaded),
 * with an error summary at its top when the form has an error or its fields do.
 */
export function PostForm({
  ctx,
  action,
  error,
  class: className,
  children,
}: {
  ctx: PageContext
  action: string
  error?: string | undefined
  class?: string
  children: ComponentChildren
}) {
  const fields = fieldErrors(children)
  return (
    <form method="post" action={action} class={className}>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      {error || fields.length > 0 ? <ErrorSummary error={error} fields={fields} /> : null}
      {children}
    </form>
  )
}
