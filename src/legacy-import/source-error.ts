import { isPostgresUrl } from '../config/values.js'
import { messageOf } from '../db/postgres-errors.js'

// What can go wrong with --from, the original app's database, each as one line fit
// for the operator: the URL itself never appears (it may hold a password).

export type LegacySourceErrorCode =
  'LEGACY_URL_INVALID' | 'LEGACY_UNREACHABLE' | 'LEGACY_TABLE_MISSING' | 'LEGACY_READ_FAILED'

/** A problem with --from: its message is one line fit for the operator, never the URL. */
export class LegacySourceError extends Error {
  constructor(
    readonly code: LegacySourceErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function checkLegacyUrl(url: string): void {
  if (!isPostgresUrl(url)) {
    throw new LegacySourceError('LEGACY_URL_INVALID', 'must be a postgres:// URL')
  }
}

export function readFailed(error: unknown): LegacySourceError {
  if (error instanceof LegacySourceError) return error
  return new LegacySourceError('LEGACY_READ_FAILED', `reading login failed: ${messageOf(error)}`, {
    cause: error,
  })
}
