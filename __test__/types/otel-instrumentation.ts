// The README's OpenTelemetry example (Next.js `instrumentation.ts`): hotpath's
// producer must be accepted by the real SDK's reader as a MetricProducer.
import { InMemoryMetricExporter, AggregationTemporality, MeterProvider, PeriodicExportingMetricReader, type MetricProducer } from '@opentelemetry/sdk-metrics'
import { otelMetricProducer, perfMonitor, PerformanceMonitor } from 'hotpath/performance'

export async function register() {
  if (process.env.NEXT_RUNTIME === 'nodejs') {
    const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE)
    const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 15_000, metricProducers: [otelMetricProducer()] })
    return new MeterProvider({ readers: [reader] })
  }
  return undefined
}

const asSdkProducer: MetricProducer = otelMetricProducer(new PerformanceMonitor(), { metricName: 'app.latency' })
const fromDefault: MetricProducer = otelMetricProducer(perfMonitor)

export { asSdkProducer, fromDefault }
