#!/usr/bin/env node
// The `logon` command (package.json `bin`; `npx logon --help` in a checkout). In a
// checkout, where src/ and the dev dependencies are, it runs the sources through tsx,
// so what it does is what the code says now, never a stale build; an installation
// without them (npm ci --omit=dev) runs the build in dist/.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'

const sources = new URL('../src/cli/logon.ts', import.meta.url)
const require = createRequire(import.meta.url)

function tsxAvailable() {
  try {
    require.resolve('tsx/esm/api')
    return true
  } catch {
    return false
  }
}

if (existsSync(sources) && tsxAvailable()) {
  const { register } = await import('tsx/esm/api')
  register()
  await import(sources.href)
} else if (existsSync(new URL('../dist/cli/logon.js', import.meta.url))) {
  await import('../dist/cli/logon.js')
} else {
  process.stderr.write('logon: dist/ is not built: run npm run build\n')
  process.exitCode = 1
}
