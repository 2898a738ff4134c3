import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js'
import addFormats from 'ajv-formats'
import type { FastifyInstance } from 'fastify'
import assert from 'node:assert/strict'

// A client of the JSON API, as a script or a single-page app uses it: JSON bodies, a
// bearer token or a cookie jar, over inject or a real socket. Every answer it receives
// is checked against the OpenAPI document the same app generates (status listed for
// the operation, content type, body against the schema): a test that goes through this
// client cannot pass on an answer the document does not describe.

export type Transport = 'inject' | 'socket'

export interface ApiAnswer {
  status: number
  headers: Record<string, string | undefined>
  /** The parsed JSON body, or undefined when there is none. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read the fields the document describes, and DocumentCheck has checked them against it
  body: any
  text: string
  setCookies: string[]
}

interface OpenApiDocument {
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> }>>
  components: { schemas: Record<string, unknown> }
}
interface ResponseObject {
  description: string
  content?: Record<string, { schema: unknown }>
}

/** The document of an app, and the checks made from it; one per app. */
export class DocumentCheck {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true })
  private readonly compiled = new Map<string, ValidateFunction>()
  private readonly routes: { method: string; pattern: RegExp; template: string }[]
  /** Each operation and status a test received, for the coverage test. */
  readonly seen = new Set<string>()

  private constructor(readonly document: OpenApiDocument) {
    addFormats.default(this.ajv)
    this.ajv.addSchema({ $id: 'doc', components: document.components })
    this.routes = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.keys(methods).map((method) => ({
        method,
        template,
        pattern: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
      })),
    )
  }

  static async of(app: FastifyInstance): Promise<DocumentCheck> {
    const answer = await app.inject({ method: 'GET', url: '/api/v1/openapi.json' })
    assert.equal(answer.statusCode, 200)
    return new DocumentCheck(JSON.parse(answer.body))
  }

  /** Whether the document is valid OpenAPI 3.1 (the validator's errors when not). */
  async validity(): Promise<{ valid: boolean; errors?: unknown; version: string }> {
    const validator = new Validator()
    const result = await validator.validate(structuredClone(this.document) as never)
    return { ...result, version: validator.version }
  }

  private validatorFor(key: string, schema: unknown): ValidateFunction {
    let validate = this.compiled.get(key)
    if (!validate) {
      const rebased = JSON.parse(
        JSON.stringify(schema).replaceAll('"#/components/', '"doc#/components/'),
      )
      validate = this.ajv.compile(rebased)
      this.compiled.set(key, validate)
    }
    return validate
  }

  /** Asserts the answer is one the document describes for this request. */
  check(method: string, url: string, answer: ApiAnswer): void {
    const path = url.split('?')[0]!
    const route = this.routes.find((r) => r.method === method.toLowerCase() && r.pattern.test(path))
    if (!route) {
      // An address the API does not have (404), or that does not decode (400): a problem.
      assert.ok([400, 404].includes(answer.status), `${method} ${path} is not in the document`)
      const validate = this.validatorFor('not found', { $ref: '#/components/schemas/Problem' })
      assert.ok(validate(answer.body), `${answer.status} is a problem: ${answer.text}`)
      return
    }
    const operation = this.document.paths[route.template]![route.method]!
    const where = `${method} ${route.template} → ${answer.status}`
    const response = operation.responses[String(answer.status)]
    assert.ok(response, `${where} is a status the document lists (${answer.text.slice(0, 200)})`)
    this.seen.add(`${route.method} ${route.template} ${answer.status}`)
    const mediaTypes = Object.keys(response.content ?? {})
    if (mediaTypes.length === 0) {
      assert.equal(answer.text, '', `${where}: the document says no body`)
      return
    }
    const type = answer.headers['content-type']?.split(';')[0]?.trim()
    assert.ok(type && mediaTypes.includes(type), `${where}: content type ${type} in ${mediaTypes}`)
    const validate = this.validatorFor(`${where} ${type}`, response.content![type]!.schema)
    assert.ok(
      validate(answer.body),
      `${where}: the body matches the document: ${JSON.stringify(validate.errors)} in ${answer.text}`,
    )
  }
}

export interface ApiClientOptions {
  transport?: Transport
  /** The socket's base URL when transport is 'socket'. */
  baseUrl?: string
  /** Headers every request carries (an Origin, an X-Forwarded-For…). */
  headers?: Record<string, string>
}

export class ApiClient {
  /** Cookies, as a browser keeps them (the cookie flow); sent unless `cookies: false`. */
  readonly jar = new Map<string, string>()
  /** Sent as Authorization: Bearer when set (the token flow). */
  token: string | undefined

  constructor(
    private readonly app: FastifyInstance,
    private readonly check: DocumentCheck,
    private readonly options: ApiClientOptions = {},
  ) {}

  async request(
    method: string,
    url: string,
    {
      json,
      body,
      headers = {},
      cookies = true,
    }: {
      json?: unknown
      /** A raw body, for the content types the API refuses. */
      body?: string
      /** Added to the client's own; an empty value removes one of them. */
      headers?: Record<string, string>
      cookies?: boolean
    } = {},
  ): Promise<ApiAnswer> {
    const all: Record<string, string> = { ...this.options.headers }
    if (json !== undefined) all['content-type'] = 'application/json'
    if (this.token !== undefined) all.authorization = `Bearer ${this.token}`
    if (cookies && this.jar.size > 0) {
      all.cookie = [...this.jar].map(([name, value]) => `${name}=${value}`).join('; ')
    }
    Object.assign(all, headers)
    // An empty value takes a default header away (a request without an Origin).
    for (const [name, value] of Object.entries(all)) if (value === '') delete all[name]
    const payload = json !== undefined ? JSON.stringify(json) : body
    const answer =
      this.options.transport === 'socket'
        ? await this.overSocket(method, url, all, payload)
        : await this.overInject(method, url, all, payload)
    for (const line of answer.setCookies) {
      const [pair, ...attributes] = line.split(';')
      const [name, value = ''] = pair!.split('=')
      const expired = attributes.some((a) => /^\s*max-age=0$/i.test(a))
      if (expired) this.jar.delete(name!.trim())
      else this.jar.set(name!.trim(), value)
    }
    this.check.check(method, url, answer)
    return answer
  }

  private async overInject(
    method: string,
    url: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<ApiAnswer> {
    const response = await this.app.inject({
      method: method as 'GET',
      url,
      headers,
      ...(payload === undefined ? {} : { payload }),
    })
    const setCookie = response.headers['set-cookie']
    return {
      status: response.statusCode,
      headers: Object.fromEntries(
        Object.entries(response.headers).map(([k, v]) => [k, v === undefined ? v : String(v)]),
      ),
      text: response.body,
      body: response.body === '' ? undefined : JSON.parse(response.body),
      setCookies: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
    }
  }

  private async overSocket(
    method: string,
    url: string,
    headers: Record<string, string>,
    payload: string | undefined,
  ): Promise<ApiAnswer> {
    const response = await fetch(`${this.options.baseUrl}${url}`, {
      method,
      headers,
      ...(payload === undefined ? {} : { body: payload }),
      redirect: 'manual',
    })
    const text = await response.text()
    const received: Record<string, string> = {}
    response.headers.forEach((value, name) => (received[name] = value))
    return {
      status: response.status,
      headers: received,
      text,
      body: text === '' ? undefined : JSON.parse(text),
      setCookies: response.headers.getSetCookie(),
    }
  }

  get(url: string, options?: Parameters<ApiClient['request']>[2]) {
    return this.request('GET', url, options)
  }
  post(url: string, json: unknown, options?: Parameters<ApiClient['request']>[2]) {
    return this.request('POST', url, { ...options, json })
  }
  put(url: string, json: unknown, options?: Parameters<ApiClient['request']>[2]) {
    return this.request('PUT', url, { ...options, json })
  }
  delete(url: string, json?: unknown, options?: Parameters<ApiClient['request']>[2]) {
    return this.request('DELETE', url, { ...options, json })
  }
}

/** Asserts a problem answer with this status and code. */
export function assertProblem(answer: ApiAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, answer.text)
  assert.equal(answer.headers['content-type'], 'application/problem+json; charset=utf-8')
  assert.equal(answer.body.code, code, answer.text)
  assert.equal(answer.body.status, status)
  assert.equal(answer.headers['cache-control'], 'no-store')
}
