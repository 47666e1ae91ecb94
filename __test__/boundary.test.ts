import { spawnSync } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { join } from 'node:path'
import { apiCache } from 'hotpath/cache'

const root = process.cwd()
const nodeRequire = `require(${JSON.stringify(join(root, 'node_modules/hotpath/lib/cache.js'))})`

describe('the native boundary', () => {
  it('turns a Rust panic into a JS Error instead of aborting the process', () => {
    const binding = require(join(root, 'js', 'binding.js'))
    expect(() => binding.__panicForTest()).toThrow('deliberate panic')
    // Created by the addon in Node's main realm, so compare by name: jest runs
    // tests in a vm context whose Error is another constructor.
    let caught: unknown
    try {
      binding.__panicForTest()
    } catch (err) {
      caught = err
    }
    expect((caught as Error).name).toBe('Error')
    apiCache.set('still-alive', 1)
    expect(apiCache.get('still-alive')).toBe(1)
    apiCache.clear()
  })

  it('gives a worker thread its own instances', async () => {
    apiCache.set('shared?', 'main')
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads')
       const { apiCache, cacheAside } = ${nodeRequire}
       const before = apiCache.get('shared?')
       apiCache.set('shared?', 'worker')
       cacheAside('w', async () => 42).then((v) => parentPort.postMessage({ before, v, after: apiCache.get('shared?') }))`,
      { eval: true },
    )
    const message = await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(message).toEqual({ before: null, v: 42, after: 'worker' })
    expect(apiCache.get('shared?')).toBe('main')
    apiCache.clear()
  })

  it('keeps nothing alive: a process that used every feature exits on its own', () => {
    const script = `
      const { apiCache, cacheAside, SimpleCache } = ${nodeRequire}
      apiCache.set('a', 1, 300)
      new SimpleCache(10, 3600).set('b', 2)
      cacheAside('c', async () => 3).then((v) => console.log('done', v, apiCache.get('a')))`
    const started = Date.now()
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 20_000 })
    expect(r.stdout.trim()).toBe('done 3 1')
    expect(r.status).toBe(0)
    // The sweep timer is aimed 300 s out and the clock thread would tick forever
    // if either held the loop; exiting well inside the timeout shows neither does.
    expect(Date.now() - started).toBeLessThan(15_000)
  })
})
