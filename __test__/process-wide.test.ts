// The default instances are one per process, however many copies of
// hotpath's JS a process evaluates (a Next.js app bundles one copy into its
// route handlers and another into proxy.ts; `next dev --webpack` evaluates a
// new copy per compile). Each case loads real installed copies in a child
// Node process.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { platformSuffix, bindingPackageName } from '../js/platform.js'
import { makeInstall, removeInstall } from './support/fake-install'

const installs: string[] = []
/** A node_modules with hotpath at `version` (default: this checkout's) and this host's binary. */
function install(version?: string): string {
  const dir = makeInstall({ [bindingPackageName(platformSuffix(process))]: 'real' }, {}, { version })
  installs.push(dir)
  return join(dir, 'node_modules', 'hotpath', 'lib')
}
afterAll(() => installs.forEach(removeInstall))

/**
 * Runs `body` in a fresh Node process with `libs` (each install's lib/
 * folder) in scope, and returns the JSON of its result.
 */
function inProcess(body: string, ...libs: string[]): any {
  const script = `const libs = process.argv.slice(1); console.log(JSON.stringify((() => { ${body} })()))`
  const r = spawnSync(process.execPath, ['-e', script, ...libs], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`child node exited ${r.status}: ${r.stderr}`)
  return JSON.parse(r.stdout)
}

describe('default instances, one per process', () => {
  it('are shared by two copies of the same hotpath version: cache, limiter and monitor', () => {
    const result = inProcess(
      `const [a, b] = libs.map((lib) => require(lib + '/cache.js'))
       const [pa, pb] = libs.map((lib) => require(lib + '/performance.js'))
       a.apiCache.set('k', 'written through copy a')
       a.dataCache.set('d', 1)
       for (let i = 0; i < 3; i++) a.apiRateLimiter.isAllowed('203.0.113.1')
       pa.perfMonitor.record('proxy', 5)
       return {
         apiCache: b.apiCache.get('k'),
         dataCache: b.dataCache.get('d'),
         remaining: b.apiRateLimiter.remaining('203.0.113.1'),
         count: pb.perfMonitor.getStats('proxy')?.count,
       }`,
      install(),
      install(),
    )
    expect(result).toEqual({ apiCache: 'written through copy a', dataCache: 1, remaining: 97, count: 1 })
  })

  it('export one SimpleCache class, so cacheAside of one copy takes caches made by another', () => {
    const result = inProcess(
      `const [a, b] = libs.map((lib) => require(lib + '/cache.js'))
       const mine = new a.SimpleCache()
       return {
         sameClass: mine instanceof b.SimpleCache,
         aside: typeof b.cacheAside('k', () => 1, mine).then,
         ownCache: mine !== a.apiCache,
       }`,
      install(),
      install(),
    )
    expect(result).toEqual({ sameClass: true, aside: 'function', ownCache: true })
  })

  it('are not shared with another hotpath version in the same process', () => {
    const result = inProcess(
      `const [a, other] = libs.map((lib) => require(lib + '/cache.js'))
       a.apiCache.set('k', 'v')
       a.apiRateLimiter.isAllowed('ip')
       return {
         sameCache: a.apiCache === other.apiCache,
         otherSees: other.apiCache.get('k'),
         otherRemaining: other.apiRateLimiter.remaining('ip'),
       }`,
      install(),
      install('0.0.0-other'),
    )
    expect(result).toEqual({ sameCache: false, otherSees: null, otherRemaining: 100 })
  })

  it('survive re-evaluating the entry modules (a dev server recompiling), as the app sees them', () => {
    const result = inProcess(
      `const [lib] = libs
       const first = require(lib + '/cache.js')
       first.apiCache.set('k', 'kept')
       for (const file of Object.keys(require.cache)) delete require.cache[file]
       return require(lib + '/cache.js').apiCache.get('k')`,
      install(),
    )
    expect(result).toBe('kept')
  })
})
