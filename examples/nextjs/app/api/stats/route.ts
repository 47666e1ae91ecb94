import { apiCache } from '@/lib/cache'
import { perfMonitor } from '@/lib/performance'

// Live state only, no request API: under cacheComponents Next.js prerenders
// such a handler at build time unless it sees the handler read the clock.
export async function GET() {
  return Response.json({ summary: perfMonitor.getSummary(), cache: apiCache.stats() })
}
