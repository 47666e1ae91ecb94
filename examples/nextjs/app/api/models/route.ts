import { apiCache, cacheAside } from '@/lib/cache'
import { perfMonitor } from '@/lib/performance'
import { NextResponse } from 'next/server'
import { fetchAvailableModels, updateModels } from '@/lib/upstream'

export async function GET(req: Request) {
  return perfMonitor.time('api.models.get', async () => {
    const cacheKey = 'available_models'

    const result = await cacheAside(
      cacheKey,
      async () => {
        return await fetchAvailableModels()
      },
      apiCache
    )

    return NextResponse.json(result)
  })
}

// Cache invalidation on update
export async function PUT(req: Request) {
  const { models } = await req.json()
  const result = await updateModels(models)

  // Invalidate related cache
  apiCache.delete('available_models')

  return NextResponse.json(result)
}
