import type { DeviceDescription } from '../auth/devices.js'
import type { Translate } from '../i18n/translate.js'

/** A device in words: "Firefox on Linux", "Firefox", or "Unknown device". */
export function deviceName(t: Translate, device: DeviceDescription): string {
  if (device.browser && device.os)
    return t('account.deviceOn', { browser: device.browser, os: device.os })
  return device.browser ?? device.os ?? t('account.unknownDevice')
}
