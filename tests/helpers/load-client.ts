import http from 'node:http'
import { hiddenInputs } from './client.js'
import type { HttpResponse } from './http-request.js'

// Clients for the fault tests (tests/process/): many browsers at once over real
// sockets, on keep-alive connections when given an agent, each with its cookie jar and
// headers of its own (an X-Forwarded-For, so that the server behind TRUST_PROXY counts
// each as a client of its own), and a tally of what every request got: its status, or
// the socket error (ECONNREFUSED, ECONNRESET, …) that ended it, and how long it took.

export interface Outcome {
  /** `GET /login`, `POST /register`, …, for the summary. */
  what: string
  status?: number
  /** The error's code when no answer came: ECONNREFUSED, ECONNRESET, TIMEOUT, … */
  error?: string
  /** Date.now() when the request started and when it ended. */
  startedAt: number
  endedAt: number
}

export class RequestFailed extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** Every request of a run, and what it got. */
export class Tally {
  readonly outcomes: Outcome[] = []

  get answered(): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.status !== undefined)
  }

  get failed(): Outcome[] {
    return this.outcomes.filter((outcome) => outcome.error !== undefined)
  }

  /** The longest time any request took, answered or not. */
  maxMs(outcomes: readonly Outcome[] = this.outcomes): number {
    return Math.max(0, ...outcomes.map((outcome) => outcome.endedAt - outcome.startedAt))
  }

  /** `200×41 303×12 ECONNREFUSED×3`: what the requests got, for t.diagnostic. */
  summary(outcomes: readonly Outcome[] = this.outcomes): string {
    const counts = new Map<string, number>()
    for (const outcome of outcomes) {
      const key = outcome.error ?? String(outcome.status)
      counts.set(key, (counts.get(key) ?? 0) + 1)
    }
    return [...counts]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, count]) => `${key}×${count}`)
      .join(' ')
  }
}

export interface LoadClientOptions {
  /** Keep-alive connections when given; else one connection per request. */
  agent?: http.Agent
  /** Sent with every request (an X-Forwarded-For, say). */
  headers?: Record<string, string>
  /** The whole exchange ends within this, or the request fails with TIMEOUT. */
  timeoutMs?: number
  /** Every request's outcome goes here. */
  tally?: Tally
}

/** One browser: a cookie jar, forms submitted with their hidden inputs, every outcome tallied. */
export class LoadClient {
  readonly jar = new Map<string, string>()
  constructor(
    public baseUrl: string,
    private readonly options: LoadClientOptions = {},
  ) {}

  /** This browser holds the session `token` (a cookie's value, or an API bearer token). */
  withSession(token: string | undefined): this {
    if (token !== undefined) this.jar.set('session', token)
    return this
  }

  /** Sends one request; rejects with RequestFailed when no whole answer comes. */
  request(
    method: string,
    path: string,
    { body, headers = {} }: { body?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    // Without the query, and an id in the path (a session's, 20 characters) as `:id`.
    const what = `${method} ${path.replace(/\?.*/, '').replace(/\/[\w-]{16,}/g, '/:id')}`
    const startedAt = Date.now()
    const record = (outcome: Partial<Outcome>) =>
      this.options.tally?.outcomes.push({ what, startedAt, endedAt: Date.now(), ...outcome })
    return new Promise<HttpResponse>((resolve, reject) => {
      const cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
      const request = http.request(new URL(path, this.baseUrl), {
        method,
        agent: this.options.agent ?? false,
        headers: {
          ...(this.options.agent ? {} : { connection: 'close' }),
          ...(body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) }),
          ...(cookie ? { cookie } : {}),
          ...this.options.headers,
          ...headers,
        },
      })
      const fail = (code: string, message: string) => {
        clearTimeout(timer)
        record({ error: code })
        reject(new RequestFailed(code, `${what}: ${message}`))
      }
      const timer = setTimeout(
        () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'TIMEOUT' })),
        this.options.timeoutMs ?? 10_000,
      )
      request.once('error', (error: NodeJS.ErrnoException) =>
        fail(error.code ?? 'ERROR', error.message),
      )
      request.once('response', (response) => {
        let text = ''
        response.setEncoding('utf8')
        response.on('data', (chunk: string) => (text += chunk))
        response.once('error', (error: NodeJS.ErrnoException) =>
          fail(error.code ?? 'ERROR', error.message),
        )
        response.once('end', () => {
          if (!response.complete) return fail('INCOMPLETE', 'the answer was cut off')
          clearTimeout(timer)
          const cookies: Record<string, string> = {}
          for (const line of response.headers['set-cookie'] ?? []) {
            const [pair = ''] = line.split(';')
            const eq = pair.indexOf('=')
            if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim()
          }
          for (const [name, value] of Object.entries(cookies)) {
            if (value === '') this.jar.delete(name)
            else this.jar.set(name, value)
          }
          record({ status: response.statusCode })
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: text,
            cookies,
          })
        })
      })
      request.end(body)
    })
  }

  get(path: string): Promise<HttpResponse> {
    return this.request('GET', path)
  }

  post(path: string, fields: Record<string, string>): Promise<HttpResponse> {
    return this.request('POST', path, {
      body: new URLSearchParams(fields).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    })
  }

  json(method: string, path: string, value: unknown, token?: string): Promise<HttpResponse> {
    return this.request(method, path, {
      body: value === undefined ? undefined : JSON.stringify(value),
      headers: {
        ...(value === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
    })
  }

  /** GET `page`, then POST `action` with the hidden inputs of its form and `fields`. */
  async submit(
    page: string,
    action: string,
    fields: Record<string, string>,
  ): Promise<HttpResponse> {
    const form = await this.get(page)
    if (form.status !== 200) return form
    return this.post(action, { ...hiddenInputs(form.body, action), ...fields })
  }
}

/** A distinct client address for the i-th simulated client, each in a /24 of its own. */
export function clientAddress(i: number): string {
  return `10.${Math.floor(i / 250) % 250}.${i % 250}.7`
}
