import type { FastifyRequest } from 'fastify'
import type { ZodFastifySchemaValidationError } from 'fastify-type-provider-zod'
import { translatorFor } from '../pages.js'
import type { FieldError } from './problem.js'

// A request the schemas refused, field by field, in the request's language: zod's own
// messages are English only, so each issue's code picks words of the catalog.

type Part = 'body' | 'querystring' | 'params' | 'headers'

/** The value at `path` of the request's part, or undefined when there is none. */
function valueAt(request: FastifyRequest, part: Part, path: string[]): unknown {
  let value: unknown = request[part === 'querystring' ? 'query' : part]
  for (const key of path) {
    if (value === null || typeof value !== 'object') return undefined
    value = (value as Record<string, unknown>)[key]
  }
  return value
}

/**
 * One error per field: `pointer` a JSON Pointer as a URI fragment, within the body
 * (`#/password`) or naming the part (`#/querystring/after`); an unknown field has
 * one of its own.
 */
export function fieldErrors(
  request: FastifyRequest,
  part: Part,
  issues: ZodFastifySchemaValidationError[],
): FieldError[] {
  const t = translatorFor(request)
  const root = part === 'body' ? '#' : `#/${part}`
  const errors: FieldError[] = []
  for (const issue of issues) {
    const path = issue.instancePath.split('/').filter(Boolean)
    const pointer = (keys: string[]) => [root, ...keys].join('/')
    const params = issue.params as { keys?: string[]; maximum?: number; minimum?: number }
    switch (issue.keyword) {
      case 'unrecognized_keys':
        for (const key of params.keys ?? []) {
          errors.push({
            pointer: pointer([...path, key]),
            code: 'unknown_field',
            detail: t('problem.field.unknown'),
          })
        }
        break
      case 'invalid_type':
        errors.push(
          valueAt(request, part, path) === undefined
            ? { pointer: pointer(path), code: 'required', detail: t('problem.field.required') }
            : { pointer: pointer(path), code: 'invalid_type', detail: t('problem.field.type') },
        )
        break
      case 'too_big':
        errors.push({
          pointer: pointer(path),
          code: 'too_long',
          detail: t('problem.field.tooLong', { maximum: params.maximum ?? '' }),
        })
        break
      default:
        // No other refusal is declared by the schemas today; the request's words serve.
        errors.push({
          pointer: pointer(path),
          code: 'invalid',
          detail: t('problem.invalid_request'),
        })
    }
  }
  return errors
}
