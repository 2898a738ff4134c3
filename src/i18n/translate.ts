import { en, type Catalog, type MessageKey } from './en.js'

export type { MessageKey }
export type Translate = (key: MessageKey, params?: Record<string, string | number>) => string

const catalogs = { en } satisfies Record<string, Catalog>
export type Locale = keyof typeof catalogs

/** Looks up a message and fills its {placeholders}; views escape the result. */
export function translator(locale: Locale = 'en'): Translate {
  const catalog: Catalog = catalogs[locale]
  return (key, params) =>
    params === undefined
      ? catalog[key] // most messages: nothing to fill, no pattern to run (page hot path)
      : catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
          name in params ? String(params[name]) : whole,
        )
}
