// Loads the guide's TypeScript reference (found by
// __test__/support/reference-dir.cjs) as an ES module. Types are stripped with
// @swc/core, the compiler Next.js itself uses, so the baseline runs as the
// app's build would run it. Without the reference its rows are skipped.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { transformSync } from '@swc/core'
import refs from '../../__test__/support/reference-dir.cjs'

/** Why the reference cells are empty, printed under each table that has them. */
export const NO_REFERENCE = `the reference lib/*.ts was not found (${refs.ENABLE_REFERENCE})`

/** Imports the reference's `<name>.ts` (e.g. `cache`), compiled to ES2022, or null without the reference. */
export async function loadReference(name) {
  if (!refs.referenceDir) return null
  const source = readFileSync(resolve(refs.referenceDir, `${name}.ts`), 'utf8')
  const { code } = transformSync(source, {
    filename: `${name}.ts`,
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  })
  return import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)
}
