//! The napi glue of the Redis tier: `RedisLink` (one connection, its status,
//! its bus inbox) and `RedisTier` (one cache's namespace on it). Arguments
//! arrive checked by `js/redis.js` and `js/two-tier.js`; this file converts
//! them and runs the work on napi's tokio runtime.

mod bus;
mod histograms;
mod keys;
mod limiter;
mod link;
mod tags;
mod tier;
mod writer;

use crate::errors::invalid;
use bus::Inbox;
use link::{Link, LinkConfig};
use napi::bindgen_prelude::{Buffer, Function, Promise};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi::{Result, Status};
use napi_derive::napi;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tier::{Loaded, Tier};

/// A JS callback called from Rust threads without keeping Node alive (weak).
type WeakCallback<Return> = ThreadsafeFunction<(), Return, (), Status, false, true>;

/// Options of a link, with defaults already applied by `js/redis.js`.
#[napi(object)]
pub struct RedisLinkOptions {
  pub url: String,
  pub prefix: String,
  pub command_timeout_ms: u32,
  pub connect_timeout_ms: u32,
  pub max_pending: u32,
  pub breaker_threshold: u32,
  pub breaker_cooldown_ms: u32,
  pub max_repair_keys: u32,
}

/// `redisStatus()` for one link.
#[napi(object)]
pub struct RedisLinkStatus {
  /// `'ready' | 'connecting' | 'down' | 'closed'`.
  pub state: String,
  pub subscribed: bool,
  pub commands: f64,
  pub failures: f64,
  pub timeouts: f64,
  /// Calls refused without a network round trip (breaker open, not connected, queue full).
  pub rejected: f64,
  pub pending_writes: u32,
  pub pending_repairs: u32,
  pub bus_received: f64,
  pub bus_malformed: f64,
  pub bus_overflows: f64,
  pub bus_resubscribes: f64,
}

/// One invalidation for the JS front: `op` is `'delete'` or `'clear'`.
#[napi(object)]
pub struct BusEvent {
  pub sender: String,
  pub op: String,
  pub name: String,
  pub key: String,
}

/// What `RedisLink.drainBus()` returns.
#[napi(object)]
pub struct BusBatch {
  /// Every two-tier L1 of the link must drop all its entries (messages may have been missed).
  pub resync: bool,
  pub events: Vec<BusEvent>,
}

/// One connection to Redis (commands, writer, bus).
#[napi]
pub struct RedisLink {
  link: Arc<Link>,
}

#[napi]
impl RedisLink {
  /// Opens a link; `on_bus` is called (weakly) when `drainBus` has something.
  #[napi(constructor, catch_unwind)]
  pub fn new(options: RedisLinkOptions, on_bus: Function<(), ()>) -> Result<Self> {
    let wake: WeakCallback<()> = on_bus.build_threadsafe_function().weak::<true>().build()?;
    let inbox = Inbox::new(Box::new(move || {
      wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
    }));
    let config = LinkConfig {
      url: options.url,
      prefix: options.prefix,
      command_timeout: Duration::from_millis(options.command_timeout_ms.into()),
      connect_timeout: Duration::from_millis(options.connect_timeout_ms.into()),
      max_pending: options.max_pending as usize,
      breaker_threshold: options.breaker_threshold,
      breaker_cooldown: Duration::from_millis(options.breaker_cooldown_ms.into()),
      max_repair_keys: options.max_repair_keys as usize,
    };
    // Link::open spawns onto napi's runtime, which must be entered from the JS thread.
    let link = napi::bindgen_prelude::within_runtime_if_available(|| Link::open(config, inbox))
      .map_err(|e| invalid(&format!("redis: {e}")))?;
    Ok(RedisLink { link })
  }

  /// The link's state and counters.
  #[napi(catch_unwind)]
  pub fn status(&self) -> RedisLinkStatus {
    let l = &self.link;
    let bus = &l.inbox.counters;
    RedisLinkStatus {
      state: l.state().to_owned(),
      subscribed: l.inbox.subscribed.load(Relaxed),
      commands: l.counters.commands.load(Relaxed) as f64,
      failures: l.counters.failures.load(Relaxed) as f64,
      timeouts: l.counters.timeouts.load(Relaxed) as f64,
      rejected: l.counters.rejected.load(Relaxed) as f64,
      pending_writes: l.pending_writes() as u32,
      pending_repairs: l.repair.lock().len() as u32,
      bus_received: bus.received.load(Relaxed) as f64,
      bus_malformed: bus.malformed.load(Relaxed) as f64,
      bus_overflows: bus.overflows.load(Relaxed) as f64,
      bus_resubscribes: bus.resubscribes.load(Relaxed) as f64,
    }
  }

  /// Takes the invalidations received since the last call.
  #[napi(catch_unwind)]
  pub fn drain_bus(&self) -> BusBatch {
    let (resync, events) = self.link.inbox.drain();
    BusBatch {
      resync,
      events: events
        .into_iter()
        .map(|m| BusEvent {
          sender: format!("{:016x}", m.sender),
          op: if bus::is_clear(&m) { "clear" } else { "delete" }.to_owned(),
          name: m.name,
          key: m.key,
        })
        .collect(),
    }
  }

  /// Resolves once every write queued so far was acknowledged or failed.
  #[napi(catch_unwind)]
  pub async fn flush(&self) -> Result<()> {
    self.link.flush().await;
    Ok(())
  }

  /// Stops the link's tasks and drops its connections; call after `flush`.
  #[napi(catch_unwind)]
  pub fn close(&self) {
    self.link.close();
  }

  /// The fleet view of the monitor named `name` on this link.
  #[napi(catch_unwind)]
  pub fn fleet(&self, name: String) -> histograms::FleetStore {
    histograms::FleetStore::new(self.link.clone(), &name)
  }

  /// The fleet's tag state of the Next.js cache handlers' namespace `name`.
  #[napi(catch_unwind)]
  pub fn tags(&self, name: String) -> tags::TagStore {
    tags::TagStore::new(self.link.clone(), &name)
  }

  /// A namespace `name` on this link.
  #[napi(catch_unwind)]
  pub fn tier(&self, name: String) -> RedisTier {
    RedisTier {
      tier: Arc::new(Tier::new(self.link.clone(), name)),
    }
  }
}

/// `stats().l2` counters of one cache (the JS front adds its own `skipped`).
#[napi(object)]
pub struct RedisTierStats {
  pub hits: f64,
  pub misses: f64,
  pub writes: f64,
  pub errors: f64,
  pub skipped: f64,
  pub invalidations_sent: f64,
  pub invalidations_received: f64,
  pub fetches: f64,
}

/// What `RedisTier.load` found: `value` set on an L2 hit (with `ttlMs`, or
/// -1 for no expiry); `null` when the fetcher ran here.
#[napi(object)]
pub struct LoadOutcome {
  pub value: Option<Buffer>,
  pub ttl_ms: f64,
}

/// One cache's namespace on a link.
#[napi]
pub struct RedisTier {
  tier: Arc<Tier>,
}

#[napi]
impl RedisTier {
  /// This cache's sender id on the bus (16 hex digits).
  #[napi(getter, catch_unwind)]
  pub fn sender(&self) -> String {
    format!("{:016x}", self.tier.sender)
  }

  /// Writes `value` to L2 in the background and invalidates `key` in the fleet.
  #[napi(catch_unwind)]
  pub fn set(&self, key: String, value: &[u8], ttl_ms: f64) {
    self.tier.set(key, value.to_vec(), ttl_ms as u64);
  }

  /// Deletes `key` from L2 in the background and invalidates it in the fleet.
  #[napi(catch_unwind)]
  pub fn delete(&self, key: String) {
    self.tier.delete(key);
  }

  /// Clears the namespace on L2 (a new generation) in the background, and in the fleet.
  #[napi(catch_unwind)]
  pub fn clear(&self) {
    self.tier.clear();
  }

  /// Counts an invalidation received for this cache.
  #[napi(catch_unwind)]
  pub fn count_received(&self, n: u32) {
    self.tier.counters.invalidations_received.fetch_add(n.into(), Relaxed);
  }

  /// Counters for `stats().l2`.
  #[napi(catch_unwind)]
  pub fn stats(&self) -> RedisTierStats {
    let c = &self.tier.counters;
    RedisTierStats {
      hits: c.hits.load(Relaxed) as f64,
      misses: c.misses.load(Relaxed) as f64,
      writes: c.writes.load(Relaxed) as f64,
      errors: c.errors.load(Relaxed) as f64,
      skipped: c.skipped.load(Relaxed) as f64,
      invalidations_sent: c.invalidations_sent.load(Relaxed) as f64,
      invalidations_received: c.invalidations_received.load(Relaxed) as f64,
      fetches: c.fetches.load(Relaxed) as f64,
    }
  }

  /// Resolves once every write this link queued so far was acknowledged or failed.
  #[napi(catch_unwind)]
  pub async fn flush(&self) -> Result<()> {
    self.tier.flush().await;
    Ok(())
  }

  /// The L2 path of `cacheAside`. `fetch` runs the JS fetcher and resolves
  /// the serialized value, or `null` when it failed or cannot be stored; it
  /// is called at most once, and only if L2 has no value for `key`.
  #[napi(catch_unwind)]
  pub async fn load(
    &self,
    key: String,
    ttl_ms: f64,
    lock_ms: f64,
    fetch: WeakCallback<Promise<Option<Buffer>>>,
  ) -> Result<LoadOutcome> {
    let fetch = || async move {
      // A fetch that cannot be called or settles oddly counts as a failed
      // fetch; the JS front then sees no value and runs its own fallback.
      let promise = fetch.call_async(()).await.ok()?;
      promise.await.ok().flatten().map(|b| b.to_vec())
    };
    Ok(match self.tier.load(key, ttl_ms as u64, lock_ms as u64, fetch).await {
      Loaded::Hit(value, ttl) => LoadOutcome {
        value: Some(value.into()),
        ttl_ms: ttl.map_or(-1.0, |t| t as f64),
      },
      Loaded::Fetched => LoadOutcome {
        value: None,
        ttl_ms: 0.0,
      },
    })
  }
}
