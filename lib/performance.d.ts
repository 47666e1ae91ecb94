import type { CacheStats, RateLimiterStats } from './cache.js'

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
  /**
   * Where "fine" ends, on the same side as the threshold (the guide's Target
   * column: 100 ms avg, 200 ms p95, 50 % hit rate). Alerts ignore it;
   * `metricsDashboard` shows values between it and the threshold as amber.
   */
  target?: number
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
  /**
   * Most names tracked at once, 1 to 1,000,000 (default 1000). Samples for a new
   * name beyond it are dropped with one process warning (`HOTPATH_MAX_NAMES`), and
   * `time` still runs and returns `fn`: a metric never fails the request it measures.
   */
  maxNames?: number
  /** Caches in `metricsPayload`, `prometheus()` and hit-rate alerts (default none; `perfMonitor` has apiCache and dataCache). */
  caches?: Record<string, { stats(): CacheStats }>
  /** Default: avg > 500 ms and p95 > 1000 ms for names starting `api.`, cache hit rate < 20 %. */
  alertRules?: AlertRule[]
  /** How often rules are checked while `onAlert` has listeners, ms (default 10000). */
  alertIntervalMs?: number
  /**
   * Where each alert transition (failing, recovered) is POSTed as JSON
   * `{ text, rule, metric, subject, status, value, threshold, at }` (`text`
   * is what Slack-style chat webhooks display). In the background: each
   * attempt has a deadline (`timeoutMs`, default 5000), network errors,
   * timeouts, 429 and 5xx are retried `retries` times (default 3) after
   * `backoffMs` (default 1000) doubling each time, then given up and counted
   * in `alertDeliveries`; nothing keeps Node alive. Setting it checks the
   * rules every `alertIntervalMs`. `perfMonitor` reads `HOTPATH_ALERT_WEBHOOK`.
   */
  alertWebhook?: string | { url: string; timeoutMs?: number; retries?: number; backoffMs?: number }
  /**
   * The fleet view: this monitor publishes its histograms to Redis every
   * `fleetIntervalMs` and `fleetStats`/`fleetSummary`/`fleetPayload` merge every
   * live instance's. `perfMonitor` uses `HOTPATH_REDIS_URL`.
   */
  redis?: string | import('./redis').RedisOptions
  /** The fleet's namespace on Redis, 1-100 of `A-Z a-z 0-9 _ . -` (default `perfMonitor`): monitors with the same name and prefix form one fleet. */
  name?: string
  /** How often the histograms are published, ms (default 10000); each instance's entry expires after three intervals. */
  fleetIntervalMs?: number
  /**
   * What the alert timer judges: `'instance'` (default, this instance's
   * windows) or `'fleet'` (the fleet's merged windows, as `checkAlerts({ fleet: true })`;
   * needs `redis`). With `redis`, a webhook delivers each transition once per fleet.
   */
  alertsOn?: 'instance' | 'fleet'
}

/** `getStats` merged over the fleet, with the number of instances that reported the name. */
export interface FleetStats extends MonitorStats {
  instances: number
}

/** `metricsPayload` over the fleet: the merged summary, each instance's own, the caches' counters summed, and the live instances read. */
export interface FleetPayload {
  summary: Record<string, FleetStats>
  /**
   * Each live instance's own `getSummary()` as it last published it, by
   * fleet id (`fleetInstance` of that monitor), ids in ascending order:
   * `perInstance[id][name]`. The merged `summary[name]` is of the union of
   * these instances' samples (counts sum; percentiles are not averaged).
   */
  perInstance: Record<string, Record<string, MonitorStats>>
  /**
   * Each cache's `stats()` summed over the live instances as each last
   * published them: counters add up, `hitRate` is that of the sums, `l2.state`
   * the worst reported.
   */
  cache: Record<string, CacheStats>
  instances: number
  timestamp: string
}

/**
 * One name's all-time histogram in fixed buckets (`histograms()`): the
 * Prometheus exposition's `hotpath_latency_seconds_bucket` bounds, in ms.
 */
export interface LatencyHistogramBuckets {
  /** The name, as the Prometheus `name` label has it. */
  name: string
  /** When the name was first recorded (or recorded again after `clear`), ms since the epoch: the counts start there. */
  startMs: number
  count: number
  errors: number
  /** Exact sum, smallest and largest duration, ms (not rounded). */
  sumMs: number
  minMs: number
  maxMs: number
  /** Upper bounds of the buckets, ms, ascending (1, 2.5, 5, ... 60000): the same array for every name. */
  boundsMs: readonly number[]
  /**
   * Samples per bucket, not cumulative: `bucketCounts[i]` counts those above
   * `boundsMs[i - 1]` and at most `boundsMs[i]`; the last one (index
   * `boundsMs.length`) those above the top bound. They sum to `count`.
   */
  bucketCounts: number[]
}

/** What `alertWebhook` did so far. */
export interface AlertDeliveries {
  /** Transitions the receiver accepted (2xx). */
  delivered: number
  /** Attempts repeated after a network error, timeout, 429 or 5xx. */
  retried: number
  /** Transitions given up: retries exhausted, or another 4xx. */
  failed: number
  /** Transitions dropped because 100 were already pending. */
  dropped: number
  /** Transitions another instance of the fleet claimed and delivered (with `redis`). */
  skipped: number
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
  checkAlerts(options?: { fleet?: false }): AlertEvent[]
  /** Checks the rules now on the fleet's merged windows (needs `redis`); rejects if Redis cannot be read. */
  checkAlerts(options: { fleet: true }): Promise<AlertEvent[]>
  /** This instance's id in the fleet view (16 hex digits); `null` without `redis`. */
  readonly fleetInstance: string | null
  /** Publishes the histograms to the fleet view now; `false` without `redis` or if Redis did not take them. Never rejects. */
  publish(): Promise<boolean>
  /**
   * `getStats(name)` over every live instance: counts and errors summed,
   * percentiles from the merged histograms (never averaged), `instances`
   * added; `null` if no instance reported `name`. Rejects without `redis`
   * or when Redis cannot be read.
   */
  fleetStats(name: string): Promise<FleetStats | null>
  /** `getSummary()` over every live instance (see `fleetStats`). */
  fleetSummary(): Promise<Record<string, FleetStats>>
  /** `metricsPayload()` with the fleet's summary, each live instance's own summary (`perInstance`) and the number of live instances. */
  fleetPayload(): Promise<FleetPayload>
  /**
   * Every name with samples as its all-time histogram in the Prometheus
   * exposition's fixed buckets (what `otelMetricProducer` exports).
   */
  histograms(): LatencyHistogramBuckets[]
  /** What `options.alertWebhook` delivered, retried and gave up so far; `null` without a webhook. */
  readonly alertDeliveries: AlertDeliveries | null
  /** Bytes the engine holds for `name` (at most 64 KiB whatever the sample count); 0 if unknown. */
  footprintBytes(name: string): number
}

/** The default monitor. */
export declare const perfMonitor: PerformanceMonitor

/** Options of `metricsDashboard`; every one is optional. */
export interface MetricsDashboardOptions {
  /** The monitor shown (default `perfMonitor`). */
  monitor?: PerformanceMonitor
  /** Caches shown, by name (default `{ apiCache, dataCache }`). */
  caches?: Record<string, { stats(): CacheStats }>
  /** Rate limiters shown, by name (default `{ apiRateLimiter }`). */
  limiters?: Record<string, { stats(): RateLimiterStats }>
  /**
   * A secret the request must carry as `Authorization: Bearer <token>` or
   * `?token=<token>` (the page moves it out of the address bar). Non-empty.
   */
  token?: string
  /** Lets a request in when it returns (or resolves to) `true`, e.g. a session check. */
  authorize?: (request: Request) => boolean | Promise<boolean>
  /**
   * `false`: always 404. `true`: served in production too, even unguarded.
   * Unset: served when `NODE_ENV !== 'production'` or when `token`/`authorize` is given.
   * With `token` or `authorize`, a request needs one of them to pass (else 401), whatever `enabled` says.
   */
  enabled?: boolean
  /** How often the open page refetches its data, ms (default 5000). */
  refreshIntervalMs?: number
  /** How often the charts' history is sampled, ms (default 10000; an unref'd timer). */
  sampleIntervalMs?: number
  /** How far back the charts go, ms (default 900000 = 15 min; 2 to 1000 samples). */
  historyMs?: number
}

/** A state of one alert rule for one metric or cache, as the dashboard colours it. */
export interface DashboardAlertState {
  rule: string
  metric: AlertRule['metric']
  subject: string
  /** The judged value (window stat in ms or %, or lifetime hit rate %), or `null` with no window samples. */
  value: number | null
  /** Window samples (or cache lookups) behind `value`. */
  samples: number
  target: number | null
  threshold: number
  /** `alert` past the threshold, `warn` past the target, `ok`, or `idle` under the rule's `minSamples`. */
  state: 'ok' | 'warn' | 'alert' | 'idle'
}

/** The dashboard's JSON (`?format=json`). Every `history` array is aligned with `times`; null = no value then. */
export interface MetricsDashboardData {
  /** `host:pid` of the process that answered. */
  instance: string
  generatedAt: string
  refreshIntervalMs: number
  sampleIntervalMs: number
  historyMs: number
  /** Sample times (epoch ms), oldest first. */
  times: number[]
  metrics: Array<{
    name: string
    stats: MonitorStats
    /** As `getExemplars`, with `metadata` as JSON text (at most 1000 characters). */
    exemplars: Array<Omit<Exemplar, 'metadata'> & { metadata: string }>
    /** p50/p95/p99 of the rolling window at each sample (ms); rates since the sample before. */
    history: { p50: (number | null)[]; p95: (number | null)[]; p99: (number | null)[]; ratePerS: (number | null)[]; errorsPerS: (number | null)[] }
  }>
  caches: Array<{
    name: string
    stats: CacheStats
    /** Hit rate (%) and evictions within each interval; size at each sample. */
    history: { hitRate: (number | null)[]; size: (number | null)[]; evictions: (number | null)[] }
  }>
  limiters: Array<{ name: string; stats: RateLimiterStats; history: { tracked: (number | null)[]; refusedPerS: (number | null)[] } }>
  alerts: DashboardAlertState[]
  /**
   * The fleet view of a monitor with `redis`: this instance's fleet id, the live
   * instances, the merged `summary` and each instance's own (`perInstance`, as
   * `fleetPayload()` has them); `{ error }` when Redis cannot be read; `null`
   * for a monitor without `redis`.
   */
  fleet:
    | { instance: string; instances: number; summary: Record<string, FleetStats>; perInstance: Record<string, Record<string, MonitorStats>> }
    | { error: string }
    | null
}

/**
 * A GET route handler serving a self-contained metrics dashboard page (charts
 * of latency, rate, errors, hit rates, limiter refusals, alert states), and
 * its data at `?format=json`. In Next.js: `export const GET = metricsDashboard()`
 * in `app/api/metrics/dashboard/route.ts`. Off in production unless `enabled`
 * or guarded by `token`/`authorize`.
 */
export declare function metricsDashboard(options?: MetricsDashboardOptions): (request: Request) => Promise<Response>

/**
 * Wraps a route handler so the response carries a `Server-Timing` header
 * (browser devtools and `PerformanceResourceTiming.serverTiming` show it):
 * one entry per `time()` run (of any PerformanceMonitor) during the request,
 * e.g. `db.users.find;dur=12.3`, found through AsyncLocalStorage so helpers
 * need no extra argument. `metadata.desc` (a string) becomes the entry's
 * `desc`; a failed run is described as `error`; cacheAside hits add one
 * `cache;desc=hit` entry. Names become header tokens (other characters `_`,
 * 64 at most); at most 32 entries and 2,048 characters. Arguments pass
 * through unchanged, concurrent requests keep their own entries, and a
 * response with immutable headers (a `fetch` result) is copied.
 * In Next.js: `export const GET = withServerTiming(async (request, { params }) => ...)`.
 */
export declare function withServerTiming<A extends unknown[], R>(handler: (...args: A) => R | Promise<R>): (...args: A) => Promise<R>

/**
 * What `otelMetricProducer` returns: an OpenTelemetry `MetricProducer`
 * (from `@opentelemetry/sdk-metrics`, typed here by shape so hotpath needs
 * no OpenTelemetry package), for a `MetricReader`'s `metricProducers`.
 */
export interface OtelMetricProducer {
  /**
   * The monitor's histograms now, as `{ resourceMetrics, errors }`: one
   * scope (`hotpath`) with one cumulative HISTOGRAM metric (unit `s`), one
   * data point per name (attribute `name`) with the explicit bucket
   * boundaries of the Prometheus `_bucket` lines (seconds), per-bucket
   * counts, count, sum, min and max; no metric before any sample. Never
   * rejects: a failure is in `errors`. A reader keeps its own resource.
   */
  collect(options?: { timeoutMillis?: number }): Promise<{
    resourceMetrics: { resource: any; scopeMetrics: Array<{ scope: { name: string; version?: string }; metrics: any[] }> }
    errors: unknown[]
  }>
}

export interface OtelMetricProducerOptions {
  /**
   * The instrument name (default `hotpath.latency`, which OpenTelemetry's
   * Prometheus exporter names `hotpath_latency_seconds`, as hotpath's own
   * exposition does): a letter, then up to 254 of `A-Z a-z 0-9 _ . - /`.
   */
  metricName?: string
  /** The resource of `collect()`'s result (default `{ attributes: {} }`); a `MetricReader` ignores it and uses the MeterProvider's. */
  resource?: object
}

/**
 * An OpenTelemetry `MetricProducer` of `monitor`'s histograms (default
 * `perfMonitor`): pass it to a reader, e.g. `new PeriodicExportingMetricReader({
 * exporter, metricProducers: [otelMetricProducer()] })`, in Next.js's
 * `instrumentation.ts`. Loads no OpenTelemetry package itself. Throws a
 * TypeError for a `monitor` that is not a PerformanceMonitor or a bad option.
 */
export declare function otelMetricProducer(monitor?: PerformanceMonitor, options?: OtelMetricProducerOptions): OtelMetricProducer
