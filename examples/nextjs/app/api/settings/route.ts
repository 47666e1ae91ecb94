import { cacheAside } from '@/lib/cache'

let loads = 0

// cacheAside with a synchronous fetcher (no await, no I/O in it).
export async function GET() {
  const settings = await cacheAside('settings', () => ({ theme: 'dark', loads: ++loads }))
  return Response.json(settings)
}
