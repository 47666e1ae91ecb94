import { apiCache, cacheAside } from '@/lib/cache'
import { perfMonitor, withServerTiming } from '@/lib/performance'
import { fetchAvailableModels } from '@/lib/upstream'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** A database-like lookup (~25 ms): a helper that knows nothing of the request. */
function findUser(id: string) {
  return perfMonitor.time(
    'db.users.find',
    async () => {
      await sleep(25)
      return { id, name: `User ${id}` }
    },
    { desc: 'users by id' },
  )
}

// Server-Timing: where this request's time went. Every perfMonitor.time() run
// while the handler runs (the lookup above, the upstream call in
// lib/upstream.ts) becomes an entry of the response's Server-Timing header,
// which browser devtools show under Timing; a cacheAside hit adds `cache;desc=hit`.
export const GET = withServerTiming(async (req: Request, { params }: { params: Promise<{ id: string }> }) => {
  const { id } = await params
  const [user, models] = await Promise.all([
    findUser(id),
    cacheAside('available_models', () => fetchAvailableModels(), apiCache),
  ])
  return Response.json({ user, models: models.models })
})
