// otelMetricProducer: a PerformanceMonitor's histograms as an OpenTelemetry
// MetricProducer, for a MetricReader's `metricProducers`. hotpath never loads
// the OpenTelemetry SDK (an app without it pays nothing, and a bundler finds
// no import to resolve): the objects below have the SDK's shapes, and the
// enum values are the SDK's, which __test__/otel.test.ts checks against it.
'use strict'

const { describe, objectArg, optionalObjectArg } = require('./argument-checks.js')

const FN = 'otelMetricProducer'
/** `DataPointType.HISTOGRAM` of @opentelemetry/sdk-metrics. */
const HISTOGRAM_POINTS = 0
/** `AggregationTemporality.CUMULATIVE`: every point counts from its name's start. */
const CUMULATIVE = 1
/** `ValueType.DOUBLE` of @opentelemetry/api. */
const DOUBLE = 1
/** Exported as `hotpath_latency_seconds` by OpenTelemetry's Prometheus exporter: the name hotpath's own exposition uses. */
const DEFAULT_METRIC_NAME = 'hotpath.latency'
const SCOPE = Object.freeze({ name: 'hotpath' })
const OPTIONS = ['metricName', 'resource']

/** Milliseconds since the epoch as OpenTelemetry's `HrTime`, `[seconds, nanoseconds]`. */
function hrTime(ms) {
  const seconds = Math.floor(ms / 1000)
  return [seconds, Math.min(999_999_999, Math.round((ms - seconds * 1000) * 1e6))]
}

/**
 * A MetricProducer whose `collect()` reads `monitor.histograms()`: one
 * cumulative explicit-bucket histogram data point per name, in seconds, in
 * the Prometheus exposition's buckets.
 */
function otelMetricProducer(monitor, options = {}) {
  if (typeof monitor?.histograms !== 'function') {
    throw new TypeError(`${FN}: monitor must be a PerformanceMonitor, got ${describe(monitor)}`)
  }
  objectArg(FN, options, 'options')
  for (const key of Object.keys(options)) {
    if (!OPTIONS.includes(key)) throw new TypeError(`${FN}: options.${key} is not an option (options are ${OPTIONS.join(', ')})`)
  }
  const { metricName = DEFAULT_METRIC_NAME, resource = { attributes: {} } } = options
  if (typeof metricName !== 'string' || !/^[A-Za-z][\w./-]{0,254}$/.test(metricName)) {
    throw new TypeError(`${FN}: options.metricName must be an OpenTelemetry instrument name (a letter, then up to 254 of A-Z a-z 0-9 _ . - /), got ${describe(metricName)}`)
  }
  optionalObjectArg(FN, resource, 'options.resource')
  const descriptor = Object.freeze({
    name: metricName,
    description: 'Duration of operations timed by hotpath, since the name was first recorded.',
    unit: 's',
    valueType: DOUBLE,
  })
  return {
    /** Resolves `{ resourceMetrics, errors }` with the histograms as they are now; a failure is in `errors`, never a rejection. */
    async collect() {
      const endTime = hrTime(Date.now())
      let histograms
      try {
        histograms = monitor.histograms()
      } catch (err) {
        return { resourceMetrics: { resource, scopeMetrics: [] }, errors: [err] }
      }
      const dataPoints = histograms.map((h) => ({
        startTime: hrTime(h.startMs),
        endTime,
        attributes: { name: h.name },
        value: {
          buckets: { boundaries: h.boundsMs.map((ms) => ms / 1000), counts: h.bucketCounts },
          count: h.count,
          sum: h.sumMs / 1000,
          min: h.minMs / 1000,
          max: h.maxMs / 1000,
        },
      }))
      const metrics = dataPoints.length === 0 ? [] : [{ descriptor, aggregationTemporality: CUMULATIVE, dataPointType: HISTOGRAM_POINTS, dataPoints }]
      return { resourceMetrics: { resource, scopeMetrics: [{ scope: SCOPE, metrics }] }, errors: [] }
    },
  }
}

/** `otelMetricProducer` whose monitor defaults to `monitor` (lib/performance.js passes perfMonitor). */
function otelMetricProducerFor(defaultMonitor) {
  return (monitor = defaultMonitor, options) => otelMetricProducer(monitor, options)
}

module.exports = { otelMetricProducerFor }
