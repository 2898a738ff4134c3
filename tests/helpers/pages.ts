import { translator, type MessageKey, type Translate } from '../../src/i18n/translate.js'
import { decodeEntities } from './client.js'

// What a test reads off a rendered page, through the hooks the views give (ids,
// data- attributes) and message keys, never a copied English sentence: a test about
// behaviour must keep passing when the wording in src/i18n/en.ts changes. The pages
// tests get are in English, the default language, so a key is compared with its
// English message as the catalog has it at the time.

/** The message of `key` as a page in English shows it (before HTML escaping). */
export const message: Translate = translator('en')

/** Whether the page shows the message of `key` anywhere in its text. */
export function showsMessage(
  html: string,
  key: MessageKey,
  params?: Record<string, string | number>,
): boolean {
  return decodeEntities(html).includes(message(key, params))
}

/** The name the signed-in home page greets, or null on any other page. */
export function signedInAs(html: string): string | null {
  const name = /<h1 data-signed-in-as="([^"]*)"/.exec(html)?.[1]
  return name === undefined ? null : decodeEntities(name)
}

/** The form-level error of a page (PostForm's alert), if it has one. */
export function formError(html: string): string | undefined {
  const text = /<p class="form-error"[^>]*>([^<]*)</.exec(html)?.[1]
  return text === undefined ? undefined : decodeEntities(text)
}

/** The error shown next to the field `name` (Field's `<name>-error`), if any. */
export function fieldError(html: string, name: string): string | undefined {
  const text = new RegExp(`id="${name}-error"[^>]*>([^<]*)<`).exec(html)?.[1]
  return text === undefined ? undefined : decodeEntities(text)
}

/** The kinds of the security events the account page lists, in its order. */
export function listedEvents(html: string): string[] {
  return [...html.matchAll(/<tr data-event="([^"]*)"/g)].map((m) => m[1]!)
}
