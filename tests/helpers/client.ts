import type { FastifyInstance, LightMyRequestResponse } from 'fastify'

// A small browser stand-in over app.inject: it keeps cookies as a browser would
// (set, replace, delete on Max-Age=0 or a past Expires) and submits forms with
// every hidden input they carry, as docs/contract.md says clients do.

export interface SetCookie {
  name: string
  value: string
  path?: string
  maxAge?: number
  expires?: Date
  httpOnly?: boolean
  secure?: boolean
  sameSite?: string
  domain?: string
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

/** The hidden inputs of the form posting to `action` in an HTML page. */
export function hiddenInputs(html: string, action: string): Record<string, string> {
  const forms = [...html.matchAll(/<form\b[^>]*>[\s\S]*?<\/form>/g)].map((m) => m[0])
  const form = forms.find((f) => new RegExp(`action="${action.replace(/[/.]/g, '\\$&')}"`).test(f))
  if (!form) throw new Error(`no form posting to ${action}`)
  const fields: Record<string, string> = {}
  for (const [input] of form.matchAll(/<input\b[^>]*>/g)) {
    if (!/type="hidden"/.test(input)) continue
    const name = /name="([^"]*)"/.exec(input)?.[1]
    const value = /value="([^"]*)"/.exec(input)?.[1] ?? ''
    if (name) fields[decodeEntities(name)] = decodeEntities(value)
  }
  return fields
}

export class TestClient {
  readonly jar = new Map<string, string>()
  constructor(
    private readonly app: FastifyInstance,
    private readonly headers: Record<string, string> = {},
    /** The address the request seems to come from on the socket (inject's default: 127.0.0.1). */
    private readonly socket: { remoteAddress?: string } = {},
  ) {}

  private cookieHeader(): string | undefined {
    if (this.jar.size === 0) return undefined
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
  }

  private remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as SetCookie[]) {
      const expired =
        cookie.maxAge === 0 ||
        (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now())
      if (expired) this.jar.delete(cookie.name)
      else this.jar.set(cookie.name, cookie.value)
    }
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const response = await this.app.inject({
      method: 'GET',
      url,
      ...this.socket,
      headers: { ...this.headers, ...(cookie ? { cookie } : {}), ...headers },
    })
    this.remember(response)
    return response
  }

  async post(
    url: string,
    fields: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const body = new URLSearchParams()
    for (const [name, value] of Object.entries(fields)) {
      for (const v of Array.isArray(value) ? value : [value]) body.append(name, v)
    }
    const response = await this.app.inject({
      method: 'POST',
      url,
      ...this.socket,
      payload: body.toString(),
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...this.headers,
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
    })
    this.remember(response)
    return response
  }

  /** Posts `body` as JSON (the passkey ceremonies), or as given with a `content-type` of its own. */
  async postJson(
    url: string,
    body: unknown,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const cookie = this.cookieHeader()
    const response = await this.app.inject({
      method: 'POST',
      url,
      ...this.socket,
      payload: typeof body === 'string' ? body : JSON.stringify(body),
      headers: {
        'content-type': 'application/json',
        ...this.headers,
        ...(cookie ? { cookie } : {}),
        ...headers,
      },
    })
    this.remember(response)
    return response
  }

  /** Loads `pageUrl`, then posts its form for `action` with its hidden inputs and `fields`. */
  async submit(
    pageUrl: string,
    action: string,
    fields: Record<string, string>,
    headers: Record<string, string> = {},
  ): Promise<LightMyRequestResponse> {
    const page = await this.get(pageUrl)
    return this.post(action, { ...hiddenInputs(page.body, action), ...fields }, headers)
  }

  register(username: string, password: string) {
    return this.submit('/register', '/register', { username, password })
  }

  login(username: string, password: string, extra: Record<string, string> = {}) {
    return this.submit('/login', '/login', { username, password, ...extra })
  }

  logout() {
    return this.submit('/', '/logout', {})
  }
}

export function setCookie(response: LightMyRequestResponse, name: string): SetCookie | undefined {
  return (response.cookies as SetCookie[]).find((cookie) => cookie.name === name)
}
