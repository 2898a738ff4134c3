import fastifyCookie from '@fastify/cookie'
import csrfProtection from '@fastify/csrf-protection'
import Fastify from 'fastify'

// Two reference servers for scenario 2 (anonymous GET /login), to show where the
// distance from the bare node:http page comes from:
// - FLOOR=fastify: a Fastify route that sends the same bytes, nothing else;
// - FLOOR=token: the same route, plus what docs/contract.md requires of every form, done
//   the way Logon does it with the official plugins: a new anti-forgery secret for
//   each visitor without one, kept in a signed HttpOnly cookie, and a token from it
//   in the page.
// Env: FLOOR, PORT, BASELINE_LOGIN_BYTES (the size of Logon's sign-in page).

const size = Number(process.env.BASELINE_LOGIN_BYTES ?? 0)
const page = (token: string) => {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head><body><form method="post" action="/login"><input type="hidden" name="_csrf" value="${token}"></form></body></html>`
  return html + ' '.repeat(Math.max(0, size - Buffer.byteLength(html)))
}
const constantPage = page('')

const app = Fastify({ logger: false })
app.get('/healthz', async () => 'ok')

if (process.env.FLOOR === 'token') {
  await app.register(fastifyCookie, { secret: 'bench-secret-0123456789abcdef0123456789' })
  await app.register(csrfProtection, {
    cookieOpts: { path: '/', sameSite: 'lax', httpOnly: true, signed: true },
  })
  app.get('/login', (_request, reply) => {
    const token = reply.generateCsrf()
    return reply
      .header('cache-control', 'no-store')
      .type('text/html; charset=utf-8')
      .send(page(token))
  })
} else {
  app.get('/login', (_request, reply) =>
    reply.header('cache-control', 'no-store').type('text/html; charset=utf-8').send(constantPage),
  )
}

await app.listen({ host: '127.0.0.1', port: Number(process.env.PORT ?? 3002) })
