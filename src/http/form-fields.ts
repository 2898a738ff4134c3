import { z } from 'zod'

// Field rules shared by the forms. Bounds sit far above any valid value, so
// oversized input is refused before any hashing or querying.
export const usernameField = z.string().max(256)
export const passwordField = z.string().max(8192)
/** A second-factor code as typed: six digits or a recovery code (second-factor.ts judges it). */
export const codeField = z.string().max(256)
/** A member id from the previous page's "Next" link: digits only (no "0x10", "1e3", "-1"). */
export const MEMBER_CURSOR = /^[1-9]\d{0,15}$/

/**
 * A text field of a body that failed validation, to show back in the form (the
 * typed username is kept, docs/contract.md); anything but a string is dropped.
 */
export function typedText(body: unknown, field: string, maxLength = 256): string {
  const value = (body as Record<string, unknown> | null | undefined)?.[field]
  return typeof value === 'string' ? value.slice(0, maxLength) : ''
}
