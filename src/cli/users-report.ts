import type {
  AccountChange,
  AccountDetails,
  AccountListing,
  AccountSummary,
} from '../auth/account-admin.js'
import { describeDevice } from '../auth/devices.js'
import { translator } from '../i18n/translate.js'
import { deviceName } from '../views/device-name.js'

// `logon users` output: lines for a terminal, and the JSON a script reads (the same
// facts; times as ISO 8601 in UTC, as JSON.stringify writes a Date). Never a hash, a
// token or a secret: the rows read carry none but what is listed here.

const t = translator('en')
const time = (at: Date | null) => (at ? at.toISOString().replace(/\.\d{3}Z$/, 'Z') : '-')

/** An account as a script reads it: its database id is nobody's business. */
function summaryJson({
  username,
  createdAt,
  disabledAt,
  sessions,
  secondFactor,
  passkeys,
  lastSignInAt,
}: AccountSummary) {
  return { username, createdAt, disabledAt, sessions, secondFactor, passkeys, lastSignInAt }
}

/** The JSON of a listing, an account's details, or a change's result. */
export function toJson(value: AccountListing | AccountDetails | AccountChange | AccountSummary) {
  if ('accounts' in value) {
    return { accounts: value.accounts.map(summaryJson), next: value.next }
  }
  if ('sessionList' in value) {
    return {
      account: summaryJson(value.account),
      sessions: value.sessionList.map((session) => ({
        id: session.id,
        device: deviceName(t, describeDevice(session.userAgent)),
        ip: session.ip,
        createdAt: session.createdAt,
        lastSeenAt: session.lastSeenAt,
        remember: session.remember,
      })),
      twoFactor: value.totp,
      passkeys: value.passkeyList,
      recentEvents: value.recentEvents.map((event) => ({
        kind: event.kind,
        at: event.occurredAt,
        ip: event.ip,
        device: event.userAgent ? deviceName(t, describeDevice(event.userAgent)) : null,
      })),
    }
  }
  if ('ok' in value) {
    if (!value.ok) return { error: value.code }
    const { account, changed, sessionsEnded } = value
    return { account: summaryJson(account), changed, sessionsEnded }
  }
  return summaryJson(value)
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((cell, i) =>
    Math.max([...cell].length, ...rows.map((row) => [...row[i]!].length)),
  )
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell + ' '.repeat(widths[i]! - [...cell].length))
      .join('  ')
      .trimEnd()
  return [line(header), ...rows.map(line)].join('\n')
}

export function formatAccountList({ accounts, next }: AccountListing): string {
  if (accounts.length === 0) return 'No accounts.'
  const rows = accounts.map((a) => [
    a.username,
    time(a.createdAt),
    time(a.lastSignInAt),
    String(a.sessions),
    a.secondFactor ? 'on' : '-',
    String(a.passkeys),
    a.disabledAt ? time(a.disabledAt) : '-',
  ])
  const header = ['NAME', 'CREATED', 'LAST SIGN-IN', 'SESSIONS', '2FA', 'PASSKEYS', 'DISABLED']
  const more = next === null ? '' : `\nMore: logon users list --after ${JSON.stringify(next)}`
  return `${table(header, rows)}${more}`
}

export function formatAccountDetails(details: AccountDetails): string {
  const { account, sessionList, totp, passkeyList, recentEvents } = details
  const lines = [
    `Account ${JSON.stringify(account.username)}`,
    `  created       ${time(account.createdAt)}`,
    `  last sign-in  ${time(account.lastSignInAt)}`,
    `  disabled      ${account.disabledAt ? `since ${time(account.disabledAt)}` : 'no'}`,
    `  two-step      ${totp.enabled ? `on, ${totp.recoveryCodesLeft} recovery codes left` : 'off'}`,
    `  passkeys      ${passkeyList.length === 0 ? 'none' : passkeyList.map((p) => p.name).join(', ')}`,
    '',
    `Sessions (${sessionList.length})`,
  ]
  if (sessionList.length > 0) {
    const rows = sessionList.map((s) => [
      s.id,
      deviceName(t, describeDevice(s.userAgent)),
      s.ip ?? '-',
      time(s.createdAt),
      time(s.lastSeenAt),
      s.remember ? 'yes' : 'no',
    ])
    const header = ['ID', 'DEVICE', 'ADDRESS', 'SIGNED IN', 'LAST SEEN', 'REMEMBER']
    lines.push(indent(table(header, rows)))
  }
  lines.push('', `Recent events (${recentEvents.length})`)
  if (recentEvents.length > 0) {
    const rows = recentEvents.map((e) => [
      time(e.occurredAt),
      e.kind,
      e.ip ?? '-',
      e.userAgent ? deviceName(t, describeDevice(e.userAgent)) : '-',
    ])
    lines.push(indent(table(['AT', 'EVENT', 'ADDRESS', 'DEVICE'], rows)))
  }
  return lines.join('\n')
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n')
