import { apiCache, cacheAside } from '@/lib/cache'
import { perfMonitor } from '@/lib/performance'
import { NextResponse } from 'next/server'
import { fetchSandboxStatus } from '@/lib/upstream'

// Sandbox status: 10 seconds (guide, "Short TTL for Dynamic Data"). The
// environment override exists so the end-to-end test can watch an expiry
// without sleeping 10 s; nothing sets it in normal use.
const SANDBOX_STATUS_TTL_SECONDS = Number(process.env.SANDBOX_STATUS_TTL_SECONDS) || 10

export async function GET(req: Request, { params }: { params: Promise<{ id: string }> }) {
  const { id } = await params
  return perfMonitor.time('api.sandbox.status', async () => {
    const cacheKey = `sandbox_status_${id}`

    const result = await cacheAside(
      cacheKey,
      async () => {
        return await fetchSandboxStatus(id)
      },
      apiCache,
      SANDBOX_STATUS_TTL_SECONDS
    )

    return NextResponse.json(result)
  })
}
