import { perfMonitor } from '@/lib/performance'

// hotpath's README metrics one-liner (the reference lib has no metricsPayload).
export async function GET() {
  return Response.json(perfMonitor.metricsPayload())
}
