import { createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto'

// A passkey authenticator in software, enough for WebAuthn's two ceremonies with
// ES256 and "none" attestation: it builds clientDataJSON, authenticatorData (rpIdHash,
// flags, counter, attested credential data) and the attestation object in CBOR, and
// signs assertions with node:crypto. Each field can be made wrong on purpose, so a
// test shows a refusal is for that one reason (W3C WebAuthn Level 3, §6.1, §6.5).

// --- a tiny CBOR encoder (RFC 8949): the types an attestation object uses ----------

type Cbor = number | string | Uint8Array | Map<Cbor, Cbor> | { [key: string]: Cbor }

function head(major: number, length: number): Buffer {
  if (length < 24) return Buffer.from([(major << 5) | length])
  if (length < 0x100) return Buffer.from([(major << 5) | 24, length])
  if (length < 0x10000) {
    const b = Buffer.alloc(3)
    b[0] = (major << 5) | 25
    b.writeUInt16BE(length, 1)
    return b
  }
  const b = Buffer.alloc(5)
  b[0] = (major << 5) | 26
  b.writeUInt32BE(length, 1)
  return b
}

export function cbor(value: Cbor): Buffer {
  if (typeof value === 'number') {
    return value >= 0 ? head(0, value) : head(1, -1 - value)
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8')
    return Buffer.concat([head(3, bytes.length), bytes])
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value])
  const entries = value instanceof Map ? [...value] : Object.entries(value)
  return Buffer.concat([
    head(5, entries.length),
    ...entries.flatMap(([k, v]) => [cbor(k), cbor(v)]),
  ])
}

// --- the authenticator ------------------------------------------------------------

const FLAG_UP = 0x01
const FLAG_UV = 0x04
const FLAG_AT = 0x40

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest()
const b64url = (data: Uint8Array) => Buffer.from(data).toString('base64url')

/** What a test may make wrong in one response. */
export interface Tampering {
  origin?: string
  challenge?: string
  type?: string
  rpId?: string
  /** Without the user-verified flag. */
  withoutUserVerification?: boolean
  /** The counter to report, instead of the next one. */
  counter?: number
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16)
  private readonly privateKey: KeyObject
  private readonly publicKey: KeyObject
  /** The signature counter the next assertion reports (it grows by one each time). */
  counter = 0
  private userHandle: string | undefined

  constructor(private readonly relyingParty: { origin: string; id: string }) {
    const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    this.privateKey = pair.privateKey
    this.publicKey = pair.publicKey
  }

  get id(): string {
    return b64url(this.credentialId)
  }

  private coseKey(): Buffer {
    const jwk = this.publicKey.export({ format: 'jwk' })
    // kty EC2 (2), alg ES256 (-7), crv P-256 (1), x, y (RFC 9053 §7.1).
    return cbor(
      new Map<Cbor, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x!, 'base64url')],
        [-3, Buffer.from(jwk.y!, 'base64url')],
      ]),
    )
  }

  private clientData(type: string, challenge: string, tamper: Tampering): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: tamper.type ?? type,
        challenge: tamper.challenge ?? challenge,
        origin: tamper.origin ?? this.relyingParty.origin,
        crossOrigin: false,
      }),
    )
  }

  private authData(flags: number, counter: number, tamper: Tampering, attested?: Buffer): Buffer {
    const counterBytes = Buffer.alloc(4)
    counterBytes.writeUInt32BE(counter)
    const uv = tamper.withoutUserVerification ? 0 : FLAG_UV
    return Buffer.concat([
      sha256(tamper.rpId ?? this.relyingParty.id),
      Buffer.from([flags | FLAG_UP | uv]),
      counterBytes,
      ...(attested ? [attested] : []),
    ])
  }

  /** The answer to navigator.credentials.create() for these options (as JSON). */
  register(
    options: { challenge: string; user: { id: string } },
    tamper: Tampering = {},
  ): Record<string, unknown> {
    this.userHandle = options.user.id
    const length = Buffer.alloc(2)
    length.writeUInt16BE(this.credentialId.length)
    const attested = Buffer.concat([Buffer.alloc(16), length, this.credentialId, this.coseKey()])
    const authData = this.authData(FLAG_AT, this.counter, tamper, attested)
    const attestationObject = cbor({ fmt: 'none', attStmt: {}, authData })
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(this.clientData('webauthn.create', options.challenge, tamper)),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    }
  }

  /** The answer to navigator.credentials.get() for these options (as JSON). */
  assert(options: { challenge: string }, tamper: Tampering = {}): Record<string, unknown> {
    this.counter += 1
    const authData = this.authData(0, tamper.counter ?? this.counter, tamper)
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tamper)
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      this.privateKey,
    )
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(this.userHandle ? { userHandle: this.userHandle } : {}),
      },
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
    }
  }
}
