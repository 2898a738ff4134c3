import { en } from '../../src/i18n/en.js'
import type { Locale } from '../../src/i18n/translate.js'
import { decodeEntities } from './client.js'

// What the tests of languages read off an answer: its <html lang>, its language
// switcher, its text as a reader sees it, and the English words left in that text.

/**
 * The languages Logon speaks once the zh-CN catalog has landed. Tests loop over this
 * rather than LOCALES, so that before it lands the Chinese rows run (and fail) instead
 * of vanishing; each of those files also checks that LOCALES equals it.
 */
export const SPOKEN: readonly Locale[] = ['en', 'zh-CN']

/** The `lang` of the page's <html>, or undefined when it is no page. */
export function htmlLang(html: string): string | undefined {
  return /^<!doctype html><html\b[^>]*\slang="([^"]*)"/i.exec(html)?.[1]
}

export interface SwitcherView {
  /** The languages marked as the page's own (aria-current), not linked. */
  current: string[]
  /** Each link: the locale of its /language/:locale address and its `next`. */
  links: Array<{ locale: string; next: string | null; hreflang: string | undefined }>
}

/** The language switcher of a page (src/views/language-switcher.tsx), or undefined. */
export function languageSwitcher(html: string): SwitcherView | undefined {
  const nav = /<nav\b[^>]*class="language-switcher"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1]
  if (nav === undefined) return undefined
  const current = [...nav.matchAll(/<strong\b([^>]*)>/g)]
    .filter(([, attributes]) => /\saria-current="true"/.test(` ${attributes}`))
    .map(([, attributes]) => /\blang="([^"]*)"/.exec(attributes!)?.[1] ?? '')
  const links = [...nav.matchAll(/<a\b([^>]*)>/g)].map(([, attributes]) => {
    const href = decodeEntities(/\bhref="([^"]*)"/.exec(attributes!)?.[1] ?? '')
    const url = new URL(href, 'http://logon.invalid')
    const locale = /^\/language\/([^/]+)$/.exec(url.pathname)?.[1] ?? `not a switch: ${href}`
    return {
      locale: decodeURIComponent(locale),
      next: url.searchParams.get('next'),
      hreflang: /\bhreflang="([^"]*)"/.exec(attributes!)?.[1],
    }
  })
  return { current, links }
}

/** The `next` of the switcher's link to each language, by locale. */
export function switcherNexts(html: string): Record<string, string | null> {
  const switcher = languageSwitcher(html)
  if (!switcher) throw new Error('the page has no language switcher')
  return Object.fromEntries(switcher.links.map((link) => [link.locale, link.next]))
}

function decodeAllEntities(text: string): string {
  return decodeEntities(
    text
      .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
      .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
      .replace(/&nbsp;/g, '\u00a0'),
  )
}

/**
 * The text a reader gets from an HTML answer: what is between the tags, plus the
 * attributes that are read out or shown (aria-label, title, alt, placeholder). Every
 * other attribute (href, value, datetime, lang, class...) is not text and is left out.
 * A plain-text answer is its own text.
 */
export function visibleText(body: string): string {
  if (!/^<!doctype html>/i.test(body)) return body
  const spokenAttributes = [
    ...body.matchAll(/<[^>]*?\s(?:aria-label|title|alt|placeholder)="([^"]*)"/g),
  ].map((match) => match[1]!)
  const between = body
    .replace(/^<!doctype html>/i, ' ')
    .replace(/<(script|style)\b[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]*>/g, ' ')
  return decodeAllEntities([between, ...spokenAttributes].join(' '))
}

/**
 * Latin words that may stand in a page of any language, with why. Of these only
 * "logon" is a word of the English catalog today; the others are listed so that a
 * message gaining one of them (a time zone, an example browser) does not make the
 * check flag the account page's times and devices, which show them in every language.
 */
export const LATIN_IN_EVERY_LANGUAGE: ReadonlySet<string> = new Set([
  // The brand, 'app.name': a name, not translated (it is also removed before the check).
  'logon',
  // Every time on the account page ends in "UTC" (src/views/format.tsx Time): the
  // international abbreviation, written so in Chinese text too.
  'utc',
  // Device names come from ua-parser-js (src/auth/devices.ts) as the products call
  // themselves: proper names, not words of a catalog.
  'firefox',
  'chrome',
  'chromium',
  'safari',
  'edge',
  'opera',
  'linux',
  'windows',
  'mac',
  'macos',
  'ios',
  'android',
  'ubuntu',
  // The API's 415 names the media type it takes, "JSON (application/json)": a format's
  // name and a header's value, written so in every language.
  'json',
  'application',
  // The switcher names each language in itself (language-switcher.tsx): a Chinese page
  // links to "English" on purpose, for a reader who cannot read Chinese.
  'english',
])

const LATIN_WORD = /[A-Za-z]{3,}/g

/**
 * The words of 3 or more Latin letters of the English catalog's messages (placeholders
 * such as {name} left out), lower-cased, less LATIN_IN_EVERY_LANGUAGE.
 */
export const ENGLISH_CATALOG_WORDS: ReadonlySet<string> = new Set(
  Object.values(en)
    .flatMap((text) => text.replace(/\{\w+\}/g, ' ').match(LATIN_WORD) ?? [])
    .map((word) => word.toLowerCase())
    .filter((word) => !LATIN_IN_EVERY_LANGUAGE.has(word)),
)

/**
 * The English catalog's words in `text`, sorted and once each, after removing the
 * strings in `remove` (usernames) and the brand.
 */
export function englishWordsIn(text: string, remove: readonly string[] = []): string[] {
  let rest = text
  for (const name of [...remove, 'Logon'].sort((a, b) => b.length - a.length)) {
    if (name !== '') rest = rest.split(name).join(' ')
  }
  const words = (rest.match(LATIN_WORD) ?? []).map((word) => word.toLowerCase())
  return [...new Set(words.filter((word) => ENGLISH_CATALOG_WORDS.has(word)))].sort()
}

/** Whether `text` holds Chinese characters (Han script). */
export function hasHan(text: string): boolean {
  return /\p{Script=Han}/u.test(text)
}
