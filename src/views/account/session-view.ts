import type { DeviceDescription } from '../../auth/devices.js'

/** One session of the account as its page shows it. */
export interface SessionView {
  id: string
  current: boolean
  device: DeviceDescription
  ip: string | null
  createdAt: Date
  lastSeenAt: Date
  endsAt: Date
  remember: boolean
}
