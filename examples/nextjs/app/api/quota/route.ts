import { apiRateLimiter } from '@/lib/cache'

// What an anonymous client (no x-forwarded-for, as /api/chat names it) has left.
export async function GET() {
  return Response.json({ remaining: apiRateLimiter.remaining('anonymous') })
}
