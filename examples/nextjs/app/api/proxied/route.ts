import { apiRateLimiter } from '@/lib/cache'

// Behind proxy.ts, which counts each request against apiRateLimiter: this
// reports what the proxy left, without counting one more.
export async function GET(req: Request) {
  const ip = req.headers.get('x-forwarded-for')?.split(',')[0] || 'anonymous'
  return Response.json({ remaining: apiRateLimiter.remaining(ip) })
}
