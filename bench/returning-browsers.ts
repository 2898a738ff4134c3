/**
 * Each signed-in client as a browser that has been here before: it loaded the page
 * once and kept the cookies it was given (Logon's anti-forgery cookie, which a
 * browser keeps for the whole session), rather than a fresh one on every request.
 */
export async function asReturningBrowsers(url: string, cookies: string[]): Promise<string[]> {
  const kept: string[] = []
  for (let i = 0; i < cookies.length; i += 25) {
    const batch = cookies.slice(i, i + 25).map(async (cookie) => {
      const response = await fetch(url, { headers: { cookie } })
      await response.arrayBuffer()
      const jar = new Map(cookie.split('; ').map((pair) => pair.split('=', 2) as [string, string]))
      for (const header of response.headers.getSetCookie()) {
        const [pair = '', ...attributes] = header.split(';')
        const at = pair.indexOf('=')
        const cleared = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))
        if (cleared) jar.delete(pair.slice(0, at))
        else jar.set(pair.slice(0, at), pair.slice(at + 1))
      }
      return [...jar].map(([name, value]) => `${name}=${value}`).join('; ')
    })
    kept.push(...(await Promise.all(batch)))
  }
  return kept
}
