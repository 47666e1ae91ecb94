// The guide's cache examples with only the import line changed; compiled by
// `tsc -p __test__/types` (node16 and bundler resolution) in `npm test`.
import { apiCache, dataCache, cacheAside, SimpleCache, type CacheStats } from 'hotpath/cache'

declare function fetchExpensiveData(): Promise<{ items: string[] }>
declare function updateData(): Promise<{ ok: boolean }>

export async function GET(_req: Request) {
  const cacheKey = 'my_data_key'
  const result = await cacheAside(
    cacheKey,
    async () => {
      // Expensive operation here
      return await fetchExpensiveData()
    },
    apiCache, // or dataCache
  )
  const items: string[] = result.items
  return Response.json({ items })
}

const stats = apiCache.stats()
const fields: [number, number, number, number] = [stats.size, stats.validEntries, stats.totalHits, stats.hitRate]
const typed: CacheStats = dataCache.stats()

// Clear specific cache entry
apiCache.delete('cache_key')
// Clear all cache
apiCache.clear()

export async function PUT(_req: Request) {
  const result = await updateData()
  apiCache.delete('data_list')
  return Response.json(result)
}

// Reduce max cache size
const smallerCache = new SimpleCache(500, 300)
const hit: { id: number } | null = new SimpleCache<{ id: number }>().get('k')

export { fields, typed, smallerCache, hit }
