// hotpath/performance: the drop-in for lib/performance.ts. Its exports are
// one per process (js/process-wide.js), like hotpath/cache's.
'use strict'

const { processWide } = require('../js/process-wide.js')

module.exports = processWide('performance', () => {
  const { PerformanceMonitor } = require('../js/performance-monitor.js')
  const { apiCache, dataCache } = require('./cache.js')

  /** The default monitor; its metrics payload and alerts cover `apiCache` and `dataCache`. */
  const perfMonitor = new PerformanceMonitor({ caches: { apiCache, dataCache } })
  return { PerformanceMonitor, perfMonitor }
})
