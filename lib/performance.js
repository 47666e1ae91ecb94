// hotpath/performance: the drop-in for lib/performance.ts. Its exports are
// one per process (js/process-wide.js), like hotpath/cache's.
'use strict'

const { processWide } = require('../js/process-wide.js')

module.exports = processWide('performance', () => {
  const { PerformanceMonitor } = require('../js/performance-monitor.js')
  const { dashboardWithDefaults } = require('../js/metrics-dashboard.js')
  const { withServerTiming } = require('../js/server-timing.js')
  const { apiCache, dataCache, apiRateLimiter } = require('./cache.js')

  /** The default monitor; its metrics payload and alerts cover `apiCache` and `dataCache`; alerts go to `HOTPATH_ALERT_WEBHOOK` if set; with `HOTPATH_REDIS_URL` it publishes to the fleet view. */
  const { alertWebhookFromEnv } = require('../js/alert-webhook.js')
  const { defaultFleetOptions } = require('../js/redis.js')
  const perfMonitor = new PerformanceMonitor({
    caches: { apiCache, dataCache },
    alertWebhook: alertWebhookFromEnv(process.env),
    ...defaultFleetOptions('perfMonitor'),
  })
  /** `metricsDashboard(options?)`: a GET route handler; by default it shows perfMonitor, both caches and apiRateLimiter. */
  const metricsDashboard = dashboardWithDefaults({ monitor: perfMonitor, caches: { apiCache, dataCache }, limiters: { apiRateLimiter } })
  /** `otelMetricProducer(monitor?, options?)`: an OpenTelemetry MetricProducer of perfMonitor's (or `monitor`'s) histograms. */
  const { otelMetricProducerFor } = require('../js/otel-metric-producer.js')
  const otelMetricProducer = otelMetricProducerFor(perfMonitor)
  return { PerformanceMonitor, perfMonitor, metricsDashboard, withServerTiming, otelMetricProducer }
})
