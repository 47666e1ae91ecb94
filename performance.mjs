// ESM entry of hotpath/performance: the same instances as the CommonJS entry.
import { createRequire } from 'node:module'

const entry = createRequire(import.meta.url)('./performance.js')

export const { PerformanceMonitor, perfMonitor } = entry
