import { z } from 'zod'

// The shapes a variable's value can take, shared by the groups of variables. Each
// refuses with a message that says what it wants, as the start prints it after the
// variable's name.

export const booleanFlag = z.enum(['true', 'false']).transform((value) => value === 'true')

/** Digits only: Number() would also take "  ", "0x50" or "1e3". */
export function wholeNumber({ min, max, message }: { min: number; max: number; message: string }) {
  return z
    .string()
    .regex(/^\d{1,10}$/, message)
    .transform(Number)
    .pipe(z.number().min(min, message).max(max, message))
}

export const seconds = wholeNumber({
  min: 1,
  max: 10 * 365 * 86400,
  message: 'must be a whole number of seconds greater than 0',
})

/**
 * A postgres:// (or postgresql://) URL that parses as one, as node-postgres needs it:
 * DATABASE_URL, and the URLs the commands take (import-legacy --from, move-to).
 */
export function isPostgresUrl(text: string): boolean {
  if (!/^postgres(ql)?:\/\/./.test(text)) return false
  try {
    new URL(text)
    return true
  } catch {
    return false
  }
}

export const postgresUrl = z.string().refine(isPostgresUrl, 'must be a postgres:// URL')
