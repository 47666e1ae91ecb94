// Drives N app instances (child processes running redis-instance.cjs) on one Redis.
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

export class Instance {
  private nextId = 0
  private waiting = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (m: any) => {
      const w = this.waiting.get(m.id)
      if (!w) return
      this.waiting.delete(m.id)
      if ('error' in m) w.reject(new Error(m.error))
      else w.resolve(m.result)
    })
  }

  /** `limiterOptions` (see redis-instance.cjs) adds a fleet RateLimiter named `name`. */
  static start(url: string, name: string, redisOptions: object = {}, cacheOptions: object = {}, limiterOptions: object | null = null): Promise<Instance> {
    const args = [url, name, JSON.stringify(redisOptions), JSON.stringify(cacheOptions), JSON.stringify(limiterOptions)]
    return Instance.fork('redis-instance.cjs', args)
  }

  /** Starts `script` (a file of this folder that answers `{ id, op, args }` messages) with `args`. */
  static fork(script: string, args: string[]): Promise<Instance> {
    const child = fork(join(__dirname, script), args, { stdio: 'inherit' })
    return new Promise((resolve, reject) => {
      child.once('error', reject)
      child.once('message', () => resolve(new Instance(child)))
    })
  }

  /** Runs `op` in the instance (see redis-instance.cjs) and resolves its result. */
  call(op: string, ...args: unknown[]): Promise<any> {
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject })
      this.child.send({ id, op, args })
    })
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return // exited, or already killed
    const exited = new Promise((r) => this.child.once('exit', r))
    this.child.kill('SIGKILL')
    await exited
  }
}

/** Polls `check` until it returns true (or throws after `timeoutMs`). */
export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

/** The `q` quantile (0-1) of `values`. */
export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]
}

/** Three cache instances named `name` on `url`, resolved once every one's bus is subscribed. */
export async function startFleet(url: string, name: string, redisOptions: object = {}, cacheOptions: object = {}): Promise<Instance[]> {
  const fleet = await Promise.all([0, 1, 2].map(() => Instance.start(url, name, redisOptions, cacheOptions)))
  await eventually(async () => (await Promise.all(fleet.map((i) => i.call('status')))).every((s) => s.connections[0].subscribed))
  return fleet
}

/**
 * Every instance of `fleet` but `a` loads `key` into its L1 (after `a`
 * wrote `value` and flushed). The bus message of a's own write may still be
 * on its way and drop a fresh copy once more (a harmless extra miss), so each
 * loads until the value stays. With `fromL2`, every load must be an L2 hit
 * (the fetcher's marker would mean the value never landed in Redis).
 */
export async function primeOthers(fleet: Instance[], a: Instance, key: string, value: unknown, { fromL2 = false } = {}): Promise<void> {
  a.call('set', key, value)
  await a.call('flush')
  for (const other of fleet.filter((i) => i !== a)) {
    await eventually(async () => {
      const loaded = await other.call('aside', key)
      if (fromL2 && JSON.stringify(loaded) !== JSON.stringify(value)) throw new Error(`${key}: loaded ${JSON.stringify(loaded)}, not the L2 value`)
      return (await other.call('get', key)) === value
    })
  }
}
