import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { promisify } from 'node:util'
import { PROJECT_DIR, startServer, tempDir, type ChildServer } from '../helpers/child-server.js'

// The README's API examples work as written: each shell block of its "JSON API"
// section that begins with `API=` runs with bash against a fresh server (the port put
// in for 3000), and what it prints is what the comments at the ends of its commands
// say, line by line. curl and jq come from Debian (.ci/run installs them).

const run = promisify(execFile)

interface Example {
  script: string
  expected: string[]
}

/** The section's examples, each with the outputs its commands' comments promise. */
function readmeExamples(): Example[] {
  const readme = readFileSync(join(PROJECT_DIR, 'README.md'), 'utf8')
  const section = /^## JSON API\n([\s\S]*?)^## /m.exec(readme)?.[1]
  assert.ok(section, 'README has a "## JSON API" section')
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!)
  return blocks
    .filter((block) => block.startsWith('API='))
    .map((block) => {
      const expected: string[] = []
      const lines = block.split('\n').map((line) => {
        const comment = /\s{2,}# (.*)$/.exec(line)
        if (!comment) return line
        // "forbidden_origin (no Origin)": the output is the part before the gloss.
        expected.push(comment[1]!.replace(/ \(.*\)$/, ''))
        return line.slice(0, comment.index)
      })
      return { script: lines.join('\n'), expected }
    })
}

describe('the README API examples', () => {
  let server: ChildServer
  let dir: Awaited<ReturnType<typeof tempDir>>
  before(async () => {
    dir = await tempDir('logon-readme-api-')
    server = await startServer({ DATA_DIR: join(dir.path, 'data') })
  })
  after(async () => {
    await server?.kill()
    await dir?.remove()
  })

  const examples = readmeExamples()
  test('there are two: the token flow and the cookie flow', () => {
    assert.equal(examples.length, 2)
    assert.ok(examples.every((example) => example.expected.length >= 4))
  })

  for (const [i, example] of examples.entries()) {
    test(`example ${i + 1} prints what its comments say`, async () => {
      const script = example.script.replaceAll('127.0.0.1:3000', `127.0.0.1:${server.port}`)
      const { stdout } = await run('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: dir.path, // the cookie jar of the second example lands here
        timeout: 30_000,
      })
      assert.deepEqual(stdout.trimEnd().split('\n'), example.expected)
    })
  }
})
