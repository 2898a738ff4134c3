import net from 'node:net'

// A TCP proxy on 127.0.0.1 between the app and its database, to play a database
// that stops answering:
// - forward: every connection is piped to the target;
// - blackhole: new connections are accepted and held, and existing ones frozen: not
//   a byte passes either way (a network partition, a hung server);
// - refuse: the listener is closed and every connection destroyed (a server down);
// - restore: forward again; held and frozen connections are destroyed.

interface Link {
  client: net.Socket
  upstream: net.Socket | null
  frozen: boolean
}

export type ProxyMode = 'forward' | 'blackhole' | 'refuse'

export class TcpProxy {
  private mode: ProxyMode = 'forward'
  private readonly links = new Set<Link>()
  private server: net.Server | null = null
  port = 0

  private constructor(private readonly target: { host: string; port: number }) {}

  static async start(target: { host: string; port: number }): Promise<TcpProxy> {
    const proxy = new TcpProxy(target)
    await proxy.listen()
    return proxy
  }

  /** The number of client connections open through the proxy. */
  get connections(): number {
    return this.links.size
  }

  /** `url` with its host and port replaced by the proxy's. */
  urlFor(url: string): string {
    const parsed = new URL(url)
    parsed.hostname = '127.0.0.1'
    parsed.port = String(this.port)
    return parsed.toString()
  }

  blackhole(): void {
    this.mode = 'blackhole'
    for (const link of this.links) this.freeze(link)
  }

  async refuse(): Promise<void> {
    this.mode = 'refuse'
    for (const link of this.links) this.destroy(link)
    await this.closeListener()
  }

  async restore(): Promise<void> {
    this.mode = 'forward'
    for (const link of this.links) if (link.frozen) this.destroy(link)
    if (!this.server) await this.listen()
  }

  async close(): Promise<void> {
    this.mode = 'refuse'
    for (const link of this.links) this.destroy(link)
    await this.closeListener()
  }

  private listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = net.createServer((client) => this.accept(client))
      server.once('error', reject)
      server.listen(this.port, '127.0.0.1', () => {
        server.off('error', reject)
        this.port = (server.address() as net.AddressInfo).port
        this.server = server
        resolve()
      })
    })
  }

  private closeListener(): Promise<void> {
    const server = this.server
    this.server = null
    if (!server) return Promise.resolve()
    return new Promise((resolve) => server.close(() => resolve()))
  }

  private accept(client: net.Socket): void {
    const link: Link = { client, upstream: null, frozen: false }
    this.links.add(link)
    client.on('error', () => this.destroy(link))
    client.on('close', () => this.destroy(link))
    if (this.mode !== 'forward') {
      this.freeze(link)
      return
    }
    const upstream = net.connect(this.target)
    link.upstream = upstream
    upstream.on('error', () => this.destroy(link))
    upstream.on('close', () => this.destroy(link))
    client.on('data', (chunk) => {
      if (!link.frozen) upstream.write(chunk)
    })
    upstream.on('data', (chunk) => {
      if (!link.frozen) client.write(chunk)
    })
  }

  private freeze(link: Link): void {
    link.frozen = true
    // Nothing is read any more, so nothing is forwarded or answered.
    link.client.pause()
    link.upstream?.pause()
  }

  private destroy(link: Link): void {
    if (!this.links.delete(link)) return
    link.client.destroy()
    link.upstream?.destroy()
  }
}
