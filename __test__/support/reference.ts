// The reference lib/*.ts in tests: comparisons with it run when it is found
// (see reference-dir.cjs) and are reported as skipped, never passed, when not.
import { join } from 'node:path'
import { referenceDir } from './reference-dir.cjs'

/** `it`, or `it.skip` when the reference is absent. */
export const itWithReference: typeof it = referenceDir ? it : it.skip

/** `describe`, or `describe.skip` when the reference is absent. */
export const describeWithReference: typeof describe = referenceDir ? describe : describe.skip

/** The reference's `lib/<name>.ts`, typed as the hotpath entry it is a drop-in for. */
export async function loadReference(name: 'cache'): Promise<typeof import('hotpath/cache')>
export async function loadReference(name: 'performance'): Promise<typeof import('hotpath/performance')>
export async function loadReference(name: string): Promise<unknown> {
  if (!referenceDir) throw new Error('loadReference: the reference was not found (use itWithReference)')
  // A runtime path: vitest transforms the TypeScript, and @swc/jest compiles
  // this import to jest's own require, so faked timers reach the reference.
  return import(join(referenceDir, `${name}.ts`))
}
