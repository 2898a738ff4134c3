import { UAParser } from 'ua-parser-js'

// A session's device in words ("Firefox on Linux"), from its User-Agent, for the
// account page. ua-parser-js 1.x (MIT): 2.x is AGPL.

export interface DeviceDescription {
  browser: string | null
  os: string | null
}

export function describeDevice(userAgent: string | null): DeviceDescription {
  if (!userAgent) return { browser: null, os: null }
  const { browser, os } = new UAParser(userAgent).getResult()
  return { browser: browser.name ?? null, os: os.name ?? null }
}
