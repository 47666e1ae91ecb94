import { NextResponse, type NextRequest } from 'next/server'
import { apiRateLimiter } from '@/lib/cache'

// Next.js 16 proxy (Node.js runtime): rate-limits /api/proxied with the same
// apiRateLimiter the route handlers use.
export function proxy(req: NextRequest) {
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0] || 'anonymous'
  if (!apiRateLimiter.isAllowed(ip)) {
    return NextResponse.json({ error: 'Rate limit exceeded' }, { status: 429 })
  }
  return NextResponse.next()
}

export const config = { matcher: '/api/proxied' }
