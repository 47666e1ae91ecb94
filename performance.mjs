// ESM entry of hotpath/performance: the same instances as the CommonJS entry.
// A static import of the CommonJS file, as in cache.mjs: webpack bakes
// `createRequire(import.meta.url)` in as the build machine's absolute path.
import entry from './performance.js'

export const { PerformanceMonitor, perfMonitor } = entry
