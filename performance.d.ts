import type { CacheStats } from './cache.js'

/** Stats of some samples, in milliseconds with two decimals. */
export interface PerformanceStats {
  count: number
  avg: number
  min: number
  max: number
  p50: number
  p95: number
  p99: number
}

/** What `getStats` returns: the reference's fields over every sample ever recorded, and more. */
export interface MonitorStats extends PerformanceStats {
  /** Samples whose `time`d function threw or rejected. */
  errors: number
  /** `errors` as a percentage of `count`, 0-100, two decimals. */
  errorRate: number
  /** The same over the last `windowMs` (a sample stays 2/3 to all of it), or `null` if empty. */
  window: (PerformanceStats & { windowMs: number; errors: number; errorRate: number }) | null
}

/** One of the slowest samples of a name, kept with its metadata. */
export interface Exemplar {
  durationMs: number
  /** When it was recorded (ISO 8601). */
  timestamp: string
  /** Whether the `time`d function threw or rejected. */
  error: boolean
  metadata: Record<string, unknown> | undefined
}

/** The guide's `/api/metrics` body. */
export interface MetricsPayload {
  summary: Record<string, MonitorStats>
  cache: Record<string, CacheStats>
  timestamp: string
}

/** A threshold rule; the defaults are the guide's "Performance Thresholds" alert column. */
export interface AlertRule {
  /** Names the rule in events. */
  name: string
  /** Window latency stats (ms), error rate (%), or a cache's hit rate (%). */
  metric: 'avg' | 'p50' | 'p95' | 'p99' | 'errorRate' | 'hitRate'
  /** Fails when the value is above this (give `above` or `below`, not both). */
  above?: number
  /** Fails when the value is below this. */
  below?: number
  /** Metric (or cache) names the rule applies to start with this (default '' = all). */
  match?: string
  /** Subjects with fewer window samples (or cache lookups) are not judged (default 10). */
  minSamples?: number
}

/** A rule starting to fail, or recovering, for one metric or cache. */
export interface AlertEvent {
  rule: string
  metric: AlertRule['metric']
  subject: string
  status: 'failing' | 'recovered'
  value: number
  threshold: number
  /** ISO 8601. */
  at: string
}

/** Options beyond the reference's (which has none). */
export interface PerformanceMonitorOptions {
  /** Span of the rolling-window stats, ms (default 60000). */
  windowMs?: number
  /** Most names tracked at once (default 1000); a new name beyond it is a RangeError. */
  maxNames?: number
  /** Caches in `metricsPayload`, `prometheus()` and hit-rate alerts (default none; `perfMonitor` has apiCache and dataCache). */
  caches?: Record<string, { stats(): CacheStats }>
  /** Default: avg > 500 ms and p95 > 1000 ms for names starting `api.`, cache hit rate < 20 %. */
  alertRules?: AlertRule[]
  /** How often rules are checked while `onAlert` has listeners, ms (default 10000). */
  alertIntervalMs?: number
}

/** Latency monitor with HDR percentiles (bounded memory per name), errors, a rolling window and alerts. */
export declare class PerformanceMonitor {
  constructor(options?: PerformanceMonitorOptions)
  /**
   * Runs `fn`, records its duration (and an error if it fails) and settles as `fn` did.
   * A bad name never fails the call: `fn` runs untimed, with one process warning.
   */
  time<T>(name: string, fn: () => Promise<T> | T, metadata?: Record<string, unknown>): Promise<T>
  /** Records a duration of 0 to 3,600,000 ms. */
  record(name: string, durationMs: number, metadata?: Record<string, unknown>): void
  /** Stats since the first sample (or the last `clear`), or `null` for a name with no samples yet. */
  getStats(name: string): MonitorStats | null
  getSummary(): Record<string, MonitorStats>
  getMetricNames(): string[]
  /** Forgets `name`, or every name. */
  clear(name?: string): void
  /** The slowest samples of `name` (up to 5), slowest first, or `null` for an unknown name. */
  getExemplars(name: string): Exemplar[] | null
  /** The guide's `/api/metrics` JSON: `Response.json(perfMonitor.metricsPayload())`. */
  metricsPayload(): MetricsPayload
  /** Prometheus text exposition (content type `text/plain; version=0.0.4`). */
  prometheus(): string
  readonly alertRules: readonly AlertRule[]
  setAlertRules(rules: AlertRule[]): void
  /** Calls `callback` once per rule and subject when it starts failing and once when it recovers; returns `off()`. */
  onAlert(callback: (event: AlertEvent) => void): () => void
  /** Checks the rules now; calls the listeners and returns the changes. */
  checkAlerts(): AlertEvent[]
  /** Bytes the engine holds for `name` (at most 64 KiB whatever the sample count); 0 if unknown. */
  footprintBytes(name: string): number
}

/** The default monitor. */
export declare const perfMonitor: PerformanceMonitor
