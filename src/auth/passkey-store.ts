import type { Queryable } from '../db/database.js'

// The passkeys table (migration 0013): one row per credential, named by its
// credential ID. Every statement that reads or changes a passkey for an account
// names the account too, so a route cannot touch another account's passkey.

export type PasskeyTransport =
  'ble' | 'cable' | 'hybrid' | 'internal' | 'nfc' | 'smart-card' | 'usb'

export interface Passkey {
  /** The credential ID, base64url. */
  id: string
  userId: number
  publicKey: Uint8Array<ArrayBuffer>
  counter: number
  transports: PasskeyTransport[]
  deviceType: 'singleDevice' | 'multiDevice'
  backedUp: boolean
  name: string
  createdAt: Date
  lastUsedAt: Date | null
}

interface PasskeyRow {
  id: string
  user_id: number
  public_key: Uint8Array
  counter: number
  transports: string[]
  device_type: string
  backed_up: boolean
  name: string
  created_at: Date
  last_used_at: Date | null
}

const COLUMNS =
  'id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at, last_used_at'

function toPasskey(row: PasskeyRow): Passkey {
  return {
    id: row.id,
    userId: row.user_id,
    // pg gives a Buffer, PGlite a Uint8Array: the same type for both.
    publicKey: new Uint8Array(row.public_key),
    counter: Number(row.counter),
    transports: row.transports as PasskeyTransport[],
    deviceType: row.device_type === 'multiDevice' ? 'multiDevice' : 'singleDevice',
    backedUp: row.backed_up,
    name: row.name,
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
  }
}

/** Adds a passkey; false when a passkey with that credential ID exists already. */
export async function insertPasskey(
  db: Queryable,
  passkey: Omit<Passkey, 'lastUsedAt'>,
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `INSERT INTO passkeys (id, user_id, public_key, counter, transports, device_type, backed_up, name, created_at)
     VALUES ($1, $2, $3, $4, $5::text[], $6, $7, $8, $9)
     ON CONFLICT (id) DO NOTHING RETURNING id`,
    [
      passkey.id,
      passkey.userId,
      passkey.publicKey,
      passkey.counter,
      passkey.transports,
      passkey.deviceType,
      passkey.backedUp,
      passkey.name,
      passkey.createdAt,
    ],
  )
  return rows.length === 1
}

export async function findPasskey(db: Queryable, id: string): Promise<Passkey | null> {
  const [row] = await db.query<PasskeyRow>(`SELECT ${COLUMNS} FROM passkeys WHERE id = $1`, [id])
  return row ? toPasskey(row) : null
}

/** The account's passkeys, oldest first. */
export async function listPasskeys(db: Queryable, userId: number): Promise<Passkey[]> {
  const rows = await db.query<PasskeyRow>(
    `SELECT ${COLUMNS} FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`,
    [userId],
  )
  return rows.map(toPasskey)
}

export async function renamePasskey(
  db: Queryable,
  { userId, id, name }: { userId: number; id: string; name: string },
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    'UPDATE passkeys SET name = $3 WHERE id = $1 AND user_id = $2 RETURNING id',
    [id, userId, name],
  )
  return rows.length === 1
}

export async function deletePasskey(
  db: Queryable,
  { userId, id }: { userId: number; id: string },
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    'DELETE FROM passkeys WHERE id = $1 AND user_id = $2 RETURNING id',
    [id, userId],
  )
  return rows.length === 1
}

/**
 * Records a use: the counter moves from `from` to `to` and last_used_at is set, only
 * while the counter is still `from` (compare and set). False when another use moved
 * it first, or the passkey is gone: this use must then be refused.
 */
export async function recordPasskeyUse(
  db: Queryable,
  {
    id,
    from,
    to,
    at,
    backedUp,
  }: {
    id: string
    from: number
    to: number
    at: Date
    /** What the authenticator says now: a passkey can start (or stop) syncing. */
    backedUp: boolean
  },
): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE passkeys SET counter = $3, last_used_at = $4, backed_up = $5
      WHERE id = $1 AND counter = $2 RETURNING id`,
    [id, from, to, at, backedUp],
  )
  return rows.length === 1
}
