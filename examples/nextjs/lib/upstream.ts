// A fake slow upstream (the model provider and the sandbox API the guide's
// routes call). Every call takes the latency the guide measured before
// caching, and returns a fresh `fetchId`, so a client can tell a cached
// answer (same id) from a refetch (new id). Calls are timed under
// `upstream.*` so /api/metrics counts how often the upstream really ran.
import { perfMonitor } from '@/lib/performance'

/** `/api/models` took ~200 ms before caching (guide, "Measured Impact"). */
export const MODELS_LATENCY_MS = 200
/** `/api/sandboxes/[id]` took ~150 ms before caching. */
export const SANDBOX_LATENCY_MS = 150

let fetchSeq = 0
let models = ['gpt-4o', 'claude-sonnet', 'llama-3.1-70b']

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** The model list, as the provider would answer after ~200 ms. */
export function fetchAvailableModels() {
  return perfMonitor.time('upstream.models.get', async () => {
    await sleep(MODELS_LATENCY_MS)
    return { models: [...models], fetchId: ++fetchSeq, fetchedAt: new Date().toISOString() }
  })
}

/** Replaces the model list upstream (what the PUT route changes). */
export async function updateModels(next: string[]) {
  models = [...next]
  return { models: [...models] }
}

/** One sandbox's status, as the sandbox API would answer after ~150 ms. */
export function fetchSandboxStatus(id: string) {
  return perfMonitor.time('upstream.sandbox.get', async () => {
    await sleep(SANDBOX_LATENCY_MS)
    return { id, status: 'running', fetchId: ++fetchSeq, fetchedAt: new Date().toISOString() }
  })
}
