// otelMetricProducer against the real OpenTelemetry JS metrics SDK: a
// MeterProvider whose reader has the producer exports, through the SDK's
// InMemoryMetricExporter, one cumulative explicit-bucket histogram per name
// whose count, sum, min, max and buckets are what was recorded, and whose
// buckets are those of the Prometheus exposition's `_bucket` lines.
import { PerformanceMonitor, otelMetricProducer, perfMonitor } from 'hotpath/performance'
import {
  AggregationTemporality,
  DataPointType,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type HistogramMetricData,
} from '@opentelemetry/sdk-metrics'
import { ValueType } from '@opentelemetry/api'

/** Exports once through a provider whose reader has `producer`; the histogram metrics exported. */
async function exportOnce(producer: ReturnType<typeof otelMetricProducer>): Promise<HistogramMetricData[]> {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000, metricProducers: [producer] })
  const provider = new MeterProvider({ readers: [reader] })
  try {
    await reader.forceFlush()
    const [exported] = exporter.getMetrics()
    return exported.scopeMetrics.filter((s) => s.scope.name === 'hotpath').flatMap((s) => s.metrics) as HistogramMetricData[]
  } finally {
    await provider.shutdown()
  }
}

/** `hotpath_latency_seconds_bucket{name=...}` of `monitor.prometheus()`, as [le, cumulative count]. */
function prometheusBuckets(monitor: PerformanceMonitor, name: string): Array<[string, number]> {
  const line = new RegExp(`^hotpath_latency_seconds_bucket\\{name="${name}",le="([^"]+)"\\} (\\S+)$`)
  return monitor
    .prometheus()
    .split('\n')
    .map((l) => line.exec(l))
    .filter((m) => m !== null)
    .map((m) => [m![1], Number(m![2])])
}

const DB_MS = [0.4, 1, 2, 3, 7, 7, 12, 40, 90, 300, 1_200, 70_000]

describe('otelMetricProducer with the OpenTelemetry SDK', () => {
  it("exports a cumulative histogram per name with the recorded count, sum, min, max and buckets", async () => {
    const monitor = new PerformanceMonitor()
    const startedMs = Date.now()
    DB_MS.forEach((ms) => monitor.record('db.q', ms))
    monitor.record('cache.get', 0.2)
    const [metric, ...others] = await exportOnce(otelMetricProducer(monitor))
    expect(others).toEqual([])
    expect(metric.descriptor).toMatchObject({ name: 'hotpath.latency', unit: 's', valueType: ValueType.DOUBLE })
    expect(metric.dataPointType).toBe(DataPointType.HISTOGRAM)
    expect(metric.aggregationTemporality).toBe(AggregationTemporality.CUMULATIVE)
    expect(metric.dataPoints.map((p) => p.attributes)).toEqual([{ name: 'db.q' }, { name: 'cache.get' }])
    const db = metric.dataPoints[0]
    expect(db.value.count).toBe(DB_MS.length)
    expect(db.value.sum).toBeCloseTo(DB_MS.reduce((a, b) => a + b) / 1000, 9)
    expect([db.value.min, db.value.max]).toEqual([0.0004, 70])
    expect(db.value.buckets.boundaries).toEqual([0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60])
    // Per bucket (le 1 ms, 2.5, 5, 10, 25, 50, 100, 250, 500, 1 s, 2.5, 5, 10, 60 s, above).
    expect(db.value.buckets.counts).toEqual([2, 1, 1, 2, 1, 1, 1, 0, 1, 0, 1, 0, 0, 0, 1])
    const startSeconds = db.startTime[0] + db.startTime[1] / 1e9
    expect(Math.abs(startSeconds * 1000 - startedMs)).toBeLessThan(1000)
    expect(db.endTime[0] + db.endTime[1] / 1e9).toBeGreaterThanOrEqual(startSeconds)
  })

  it("has the Prometheus exposition's buckets: its counts add up to every `_bucket` line", async () => {
    const monitor = new PerformanceMonitor()
    for (let i = 0; i < 2_000; i++) monitor.record('api', (i * 7.31) % 3_000)
    const [metric] = await exportOnce(otelMetricProducer(monitor))
    const { boundaries, counts } = metric.dataPoints[0].value.buckets
    const prometheus = prometheusBuckets(monitor, 'api')
    let running = 0
    const cumulative: Array<[string, number]> = counts.map((c, i) => [i < boundaries.length ? String(boundaries[i]) : '+Inf', (running += c)])
    expect(cumulative).toEqual(prometheus)
    expect(running).toBe(2_000)
  })

  it('counts cumulatively across exports, and exports nothing before the first sample', async () => {
    const monitor = new PerformanceMonitor()
    const producer = otelMetricProducer(monitor)
    expect(await exportOnce(producer)).toEqual([])
    monitor.record('db.q', 3)
    expect((await exportOnce(producer))[0].dataPoints[0].value.count).toBe(1)
    monitor.record('db.q', 4)
    const [metric] = await exportOnce(producer)
    expect(metric.dataPoints[0].value).toMatchObject({ count: 2, min: 0.003, max: 0.004 })
  })

  it('defaults to perfMonitor, takes a metric name, and refuses bad arguments naming them', async () => {
    perfMonitor.record('otel.default', 5)
    const [metric] = await exportOnce(otelMetricProducer(undefined, { metricName: 'app.latency' }))
    expect(metric.descriptor.name).toBe('app.latency')
    expect(metric.dataPoints.some((p) => p.attributes.name === 'otel.default')).toBe(true)
    perfMonitor.clear('otel.default')
    expect(() => otelMetricProducer({} as never)).toThrow(new TypeError('otelMetricProducer: monitor must be a PerformanceMonitor, got an object'))
    expect(() => otelMetricProducer(perfMonitor, 'x' as never)).toThrow(new TypeError('otelMetricProducer: options must be an object, got "x"'))
    expect(() => otelMetricProducer(perfMonitor, { metricName: '9lives' })).toThrow(/^otelMetricProducer: options.metricName must be an OpenTelemetry instrument name/)
    expect(() => otelMetricProducer(perfMonitor, { exporter: 1 } as never)).toThrow(new TypeError('otelMetricProducer: options.exporter is not an option (options are metricName, resource)'))
  })
})
