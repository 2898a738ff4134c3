import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import ts from 'typescript'
import { ROOT } from './settings.js'

// The bench's own programs that run as processes of their own (the baseline, the
// login floors, the load generator, the argon2 yardstick), compiled once at start.

/** bench/*.ts as plain JavaScript in dist/bench/, so no loader runs inside a measured process. */
function compile(name: string): string {
  const source = readFileSync(join(ROOT, 'bench', `${name}.ts`), 'utf8')
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  })
  mkdirSync(join(ROOT, 'dist', 'bench'), { recursive: true })
  const path = join(ROOT, 'dist', 'bench', `${name}.js`)
  writeFileSync(path, outputText)
  return path
}

export const paths = {
  baseline: compile('baseline'),
  loginFloors: compile('login-floors'),
  load: compile('load'),
  argon2Rate: compile('argon2-rate'),
}
