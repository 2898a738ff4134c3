import type { ComponentChildren } from 'preact'
import type { PageContext } from './page-context.js'

/**
 * Every form that changes state: a POST carrying the anti-forgery token as a hidden
 * input (docs/contract.md: clients submit every hidden input of the form they loaded),
 * with an optional form-level error announced to assistive technology.
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
  return (
    <form method="post" action={action} class={className}>
      <input type="hidden" name="_csrf" value={ctx.csrfToken} />
      {error ? (
        <p class="form-error" role="alert">
          {error}
        </p>
      ) : null}
      {children}
    </form>
  )
}
