// Loads the TypeScript reference (`../shared/reference/lib/*.ts`, beside the
// repo root) as an ES module. Types are stripped with @swc/core, the compiler
// Next.js itself uses, so the baseline runs as the app's build would run it.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { transformSync } from '@swc/core'
import { repoRoot } from './env.mjs'

/** Folder of the reference sources: `<repo>/../shared/reference/lib`. */
export const referenceDir = resolve(repoRoot, '..', 'shared', 'reference', 'lib')

/** Imports `<referenceDir>/<name>.ts` (e.g. `cache`), compiled to ES2022. */
export async function loadReference(name) {
  const source = readFileSync(resolve(referenceDir, `${name}.ts`), 'utf8')
  const { code } = transformSync(source, {
    filename: `${name}.ts`,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  })
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
}
