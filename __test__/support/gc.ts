// A full garbage collection without --expose-gc on the command line.
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

setFlagsFromString('--expose-gc')
const collect = runInNewContext('gc') as () => void

/** Runs a full GC a few times, yielding between, so finalizers and weak refs settle. */
export async function fullGc(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    collect()
    await new Promise((resolve) => setImmediate(resolve))
  }
}

/**
 * Whether `ref`'s target is collected within `ms`, collecting every 100 ms:
 * for releases a timer does (the expiry sweep), which a loaded machine may
 * run late.
 */
export async function collectedWithin(ref: WeakRef<object>, ms: number): Promise<boolean> {
  for (const started = Date.now(); Date.now() - started < ms; ) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    await fullGc()
    if (ref.deref() === undefined) return true
  }
  return false
}
