import type { JSX } from 'preact'
import { renderToString } from 'preact-render-to-string'

// Views are Preact components rendered on the server: text and attributes are
// escaped by default; raw HTML would need dangerouslySetInnerHTML, used in one
// place only: the members list reuses HTML that this same renderer made (home-page.tsx).
export function renderDocument(page: JSX.Element): string {
  return `<!doctype html>${renderToString(page)}`
}
