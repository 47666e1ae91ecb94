//! Latency metrics for `PerformanceMonitor`: per-name HDR histograms fed in
//! batches from the JS front's sample log, rolling windows, alert rules and
//! the Prometheus exposition.

mod alerts;
mod exposition;
mod fleet;
mod latency;
mod registry;
mod window;

pub use alerts::{AlertBook, AlertMetric, AlertRule, AlertTransition, Observation};
pub use exposition::{write_exposition, CacheSnapshot, ExposedMetric};
pub use fleet::{encode_metric, FleetMerge, FleetMetric, InstanceStats};
pub use latency::{LatencyHistogram, LatencyStats, BUCKET_BOUNDS_MS, MAX_DURATION_MS, PERCENTILES};
pub use registry::{MetricRegistry, MetricSnapshot, UnknownMetric, SAMPLE_WORDS};
pub use window::{RollingWindow, SLICES};
