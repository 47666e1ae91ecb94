import { apiRateLimiter } from '@/lib/cache'
import { NextResponse } from 'next/server'

export async function POST(req: Request) {
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0] || 'anonymous'

  if (!apiRateLimiter.isAllowed(ip)) {
    return NextResponse.json(
      { error: 'Rate limit exceeded' },
      {
        status: 429,
        headers: {
          'X-RateLimit-Remaining': apiRateLimiter.remaining(ip).toString(),
          'Retry-After': '60'
        }
      }
    )
  }

  // Process request
  const { message } = await req.json()
  return NextResponse.json({ reply: `echo: ${message}`, remaining: apiRateLimiter.remaining(ip) })
}
