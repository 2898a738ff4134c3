import { createServer, type Server } from 'node:http'
import type { Registry } from 'prom-client'

// /metrics on METRICS_PORT, bound to HOST: a server of its own, so the metrics are
// never on the public port by accident (a proxy in front of PORT never sees them).

export async function serveMetrics(
  registry: Registry,
  { host, port }: { host: string; port: number },
): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n')
      return
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      () =>
        response
          .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
          .end('metrics unavailable\n'),
    )
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  return server
}
