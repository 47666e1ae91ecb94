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
