// ESM entry of hotpath/performance: the same instances as the CommonJS entry.
// webpack never reads this file: package.json's `webpack` export condition
// sends it to performance.js, because webpack would bake `import.meta.url` in as the
// build machine's absolute path (README, "Use with Next.js").
import { createRequire } from 'node:module'

const entry = createRequire(import.meta.url)('./performance.js')

export const { PerformanceMonitor, perfMonitor, metricsDashboard, withServerTiming, otelMetricProducer } = entry
