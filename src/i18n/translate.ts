import { en, type Catalog, type MessageKey } from './en.js'
import { zhCN } from './zh-CN.js'

export type { MessageKey }

type Params = Record<string, string | number>

/** The words of one language: a message by key, its {placeholders} filled. */
export interface Translate {
  (key: MessageKey, params?: Params): string
  readonly locale: Locale
}

const catalogs = { en, 'zh-CN': zhCN } satisfies Record<string, Catalog>
export type Locale = keyof typeof catalogs

export const LOCALES = Object.keys(catalogs) as Locale[]

/** `value` when it names a catalog exactly as LOCALES spells it, else undefined. */
export function asLocale(value: string | undefined): Locale | undefined {
  return LOCALES.find((locale) => locale === value)
}

function makeTranslator(locale: Locale): Translate {
  const catalog: Catalog = catalogs[locale]
  const t = (key: MessageKey, params?: Params) =>
    params === undefined
      ? catalog[key] // most messages: nothing to fill, no pattern to run (page hot path)
      : catalog[key].replace(/\{(\w+)\}/g, (whole, name: string) =>
          name in params ? String(params[name]) : whole,
        )
  return Object.assign(t, { locale })
}

// One translator per language, made once: the kept blank forms are keyed by it.
const translators = new Map<Locale, Translate>()

/** Looks up messages of `locale`; views escape what it gives. */
export function translator(locale: Locale = 'en'): Translate {
  let t = translators.get(locale)
  if (!t) translators.set(locale, (t = makeTranslator(locale)))
  return t
}
