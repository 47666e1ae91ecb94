// hotpath/performance: the drop-in for lib/performance.ts.
'use strict'

const { PerformanceMonitor } = require('../js/performance-monitor.js')
const { apiCache, dataCache } = require('./cache.js')

/** The default monitor; its metrics payload and alerts cover `apiCache` and `dataCache`. */
const perfMonitor = new PerformanceMonitor({ caches: { apiCache, dataCache } })

module.exports = { PerformanceMonitor, perfMonitor }
