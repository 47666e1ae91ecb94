import { apiCache } from '@/lib/cache'
import { perfMonitor } from '@/lib/performance'
import { NextResponse } from 'next/server'

// The guide's GET /api/metrics: every timed operation, the cache stats, a timestamp.
export async function GET() {
  return NextResponse.json({
    summary: perfMonitor.getSummary(),
    cache: {
      apiCache: apiCache.stats()
    },
    timestamp: new Date().toISOString()
  })
}
