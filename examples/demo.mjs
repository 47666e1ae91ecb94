// A short tour: cache-aside with single flight against a slow upstream,
// TTL expiry, LRU eviction and stats. Run with `npm run demo`.
import { SimpleCache, apiCache, cacheAside } from 'hotpath/cache'

let upstreamCalls = 0
async function fetchModels() {
  upstreamCalls++
  await new Promise((resolve) => setTimeout(resolve, 200))
  return [{ id: 'gpt-small' }, { id: 'gpt-large' }]
}

async function timed(label, fn) {
  const start = performance.now()
  const result = await fn()
  console.log(`${label.padEnd(42)} ${(performance.now() - start).toFixed(2).padStart(8)} ms`)
  return result
}

await timed('cold: 100 concurrent callers, one key', () =>
  Promise.all(Array.from({ length: 100 }, () => cacheAside('available_models', fetchModels))),
)
console.log(`upstream calls so far: ${upstreamCalls} (single flight)`)
await timed('warm: cached', () => cacheAside('available_models', fetchModels))

const small = new SimpleCache(2, 1)
small.set('a', 1)
small.set('b', 2)
small.get('a')
small.set('c', 3)
console.log(`LRU: after a,b, get a, set c -> has b? ${small.has('b')}, has a? ${small.has('a')}`)
await new Promise((resolve) => setTimeout(resolve, 1100))
console.log(`TTL 1 s: after 1.1 s, get a -> ${small.get('a')}`)

console.log('apiCache.stats():', apiCache.stats())
