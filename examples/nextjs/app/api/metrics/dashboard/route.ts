import { metricsDashboard } from '@/lib/performance'

// The metrics dashboard: open /api/metrics/dashboard in a browser. Under
// `next dev` it is open; under `next start` (production) it answers 404
// unless METRICS_DASHBOARD_TOKEN is set, and then only to requests carrying
// it (/api/metrics/dashboard?token=... or Authorization: Bearer ...). The
// sampling override lets the end-to-end test see charts fill in seconds;
// nothing sets it in normal use.
export const GET = metricsDashboard({
  token: process.env.METRICS_DASHBOARD_TOKEN || undefined,
  sampleIntervalMs: Number(process.env.METRICS_DASHBOARD_SAMPLE_MS) || undefined,
  refreshIntervalMs: Number(process.env.METRICS_DASHBOARD_SAMPLE_MS) || undefined,
})
