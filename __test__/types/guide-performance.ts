// The guide's monitoring and rate-limiting examples with only the import lines
// changed; compiled by `tsc -p __test__/types` in `npm test`.
import { apiCache, apiRateLimiter, cacheAside } from 'hotpath/cache'
import { perfMonitor, type PerformanceStats } from 'hotpath/performance'
import * as everything from 'hotpath'

declare function fetchExpensiveData(): Promise<{ items: string[] }>

export async function GET(_req: Request): Promise<Response> {
  return perfMonitor.time('api.myendpoint', async () => {
    const result = await cacheAside('my_data_key', async () => await fetchExpensiveData(), apiCache)
    return Response.json(result)
  })
}

export async function track(): Promise<void> {
  // Track a specific operation
  await perfMonitor.time('operation.name', async () => {
    // Your operation here
  }, { metadata: 'value' })

  // Get statistics for a metric
  const stats = perfMonitor.getStats('operation.name')
  console.log(`Average: ${stats!.avg}ms, P95: ${stats!.p95}ms`)
}

export async function POST(req: Request): Promise<Response | undefined> {
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0] || 'anonymous'

  if (!apiRateLimiter.isAllowed(ip)) {
    return Response.json(
      { error: 'Rate limit exceeded' },
      {
        status: 429,
        headers: {
          'X-RateLimit-Remaining': apiRateLimiter.remaining(ip).toString(),
          'Retry-After': '60',
        },
      },
    )
  }
  return undefined
}

const summary: Record<string, PerformanceStats> = perfMonitor.getSummary()
const names: string[] = perfMonitor.getMetricNames()
perfMonitor.record('db.query', 12.5)
perfMonitor.clear('db.query')
const sameInstances: boolean = everything.perfMonitor === perfMonitor && everything.apiCache === apiCache

export { summary, names, sameInstances }
