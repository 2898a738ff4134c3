import http from 'node:http'
import { hiddenInputs } from './client.js'

// Plain HTTP/1.1 over real sockets, one connection per request (no keep-alive
// pool that could outlive a killed server), and a small browser stand-in on top.

export interface HttpResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
  /** name → value of every Set-Cookie of the response (an empty value clears). */
  cookies: Record<string, string>
}

export interface HttpRequestOptions {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
  /** The whole exchange must end within this, or the promise rejects. */
  timeoutMs?: number
}

export interface PendingRequest {
  /** Resolves once the whole request has been handed to the operating system. */
  sent: Promise<void>
  response: Promise<HttpResponse>
}

/** Starts a request; `sent` tells when it has left, `response` when it came back. */
export function sendRequest(baseUrl: string, options: HttpRequestOptions): PendingRequest {
  let markSent!: () => void
  const sent = new Promise<void>((resolve) => (markSent = resolve))
  const response = new Promise<HttpResponse>((resolve, reject) => {
    const url = new URL(options.path, baseUrl)
    const request = http.request(url, {
      method: options.method ?? 'GET',
      agent: false,
      headers: {
        connection: 'close',
        ...(options.body === undefined
          ? {}
          : { 'content-length': String(Buffer.byteLength(options.body)) }),
        ...options.headers,
      },
    })
    const timer = setTimeout(() => {
      request.destroy(new Error(`no answer to ${options.method ?? 'GET'} ${options.path}`))
    }, options.timeoutMs ?? 10_000)
    request.once('finish', () => markSent())
    request.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    request.once('response', (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => (body += chunk))
      res.once('error', (error) => {
        clearTimeout(timer)
        reject(error)
      })
      res.once('end', () => {
        clearTimeout(timer)
        const cookies: Record<string, string> = {}
        for (const line of res.headers['set-cookie'] ?? []) {
          const [pair = ''] = line.split(';')
          const eq = pair.indexOf('=')
          if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body, cookies })
      })
    })
    request.end(options.body)
  })
  return { sent, response }
}

export function httpRequest(baseUrl: string, options: HttpRequestOptions): Promise<HttpResponse> {
  return sendRequest(baseUrl, options).response
}

/** A browser stand-in over real HTTP: a cookie jar, and forms submitted with their hidden inputs. */
export class HttpBrowser {
  readonly jar = new Map<string, string>()
  constructor(public baseUrl: string) {}

  private cookieHeader(): Record<string, string> {
    if (this.jar.size === 0) return {}
    return { cookie: [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ') }
  }

  private remember(response: HttpResponse): HttpResponse {
    for (const [name, value] of Object.entries(response.cookies)) {
      if (value === '') this.jar.delete(name)
      else this.jar.set(name, value)
    }
    return response
  }

  async get(path: string): Promise<HttpResponse> {
    return this.remember(await httpRequest(this.baseUrl, { path, headers: this.cookieHeader() }))
  }

  /** The request of a form post, not yet sent: for tests that time it themselves. */
  postRequest(path: string, fields: Record<string, string>): HttpRequestOptions {
    return {
      method: 'POST',
      path,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader() },
      body: new URLSearchParams(fields).toString(),
    }
  }

  async post(path: string, fields: Record<string, string>): Promise<HttpResponse> {
    return this.remember(await httpRequest(this.baseUrl, this.postRequest(path, fields)))
  }

  /** The fields of the form posting to `action` on `pagePath` (its hidden inputs) plus `fields`. */
  async formFields(
    pagePath: string,
    action: string,
    fields: Record<string, string>,
  ): Promise<Record<string, string>> {
    const page = await this.get(pagePath)
    if (page.status !== 200) throw new Error(`GET ${pagePath} answered ${page.status}`)
    return { ...hiddenInputs(page.body, action), ...fields }
  }

  async submit(
    pagePath: string,
    action: string,
    fields: Record<string, string>,
  ): Promise<HttpResponse> {
    return this.post(action, await this.formFields(pagePath, action, fields))
  }
}
