//! `Link`: one connection to one Redis server (and key prefix), shared by
//! every two-tier cache of a process that names the same URL. It owns the
//! command connection (redis-rs `ConnectionManager`, which reconnects by
//! itself), the circuit breaker, the ordered background writer, the repair
//! log and the bus subscriber. No napi here: the glue is in `mod.rs`.

use super::bus::Inbox;
use super::writer::Write;
use hotpath_engine::fleet::{BreakerState, CircuitBreaker, RepairLog};
use parking_lot::Mutex;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use std::future::Future;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

/// Tunables, validated by `js/redis.js`.
#[derive(Clone, Debug)]
pub struct LinkConfig {
  pub url: String,
  /// Prepended to every key and channel (`HOTPATH_REDIS_PREFIX`, default `hotpath:`).
  pub prefix: String,
  pub command_timeout: Duration,
  pub connect_timeout: Duration,
  /// Writes queued for the background writer at most; past it a write fails at once.
  pub max_pending: usize,
  pub breaker_threshold: u32,
  pub breaker_cooldown: Duration,
  /// Keys whose failed writes are remembered for repair, across all caches.
  pub max_repair_keys: usize,
}

/// Why a command did not produce an answer.
#[derive(Debug)]
pub enum CallError {
  /// The breaker is open, or no connection was ever made: nothing was sent.
  Unavailable,
  /// No answer within `command_timeout`.
  Timeout,
  /// The connection failed (I/O, refused, dropped).
  Failed,
  /// The server answered with an error: the link is healthy, retrying would not help.
  Refused,
}

/// Lifetime counters of a link (readable without locks).
#[derive(Default)]
pub struct LinkCounters {
  pub commands: AtomicU64,
  pub failures: AtomicU64,
  pub timeouts: AtomicU64,
  /// Calls refused without touching the network (breaker open, not connected, queue full).
  pub rejected: AtomicU64,
}

/// A shared connection to one Redis.
pub struct Link {
  pub config: LinkConfig,
  pub client: redis::Client,
  conn: Mutex<Option<ConnectionManager>>,
  /// Becomes true once the first connection is up (writes wait for it, bounded by the connect timeout).
  connected: watch::Sender<bool>,
  first_connect_failed: AtomicBool,
  breaker: Mutex<CircuitBreaker>,
  started: Instant,
  pub repair: Mutex<RepairLog>,
  pub counters: LinkCounters,
  pub inbox: Inbox,
  writes: mpsc::Sender<Write>,
  /// Flips to true on `close`; every task of the link watches it.
  closed: watch::Sender<bool>,
}

impl Link {
  /// Opens a link: parses the URL (`redis://`, `rediss://`, user, password,
  /// db) and starts its connector, writer and bus tasks on the runtime.
  pub fn open(config: LinkConfig, inbox: Inbox) -> redis::RedisResult<Arc<Link>> {
    // rustls needs a process-wide crypto provider for `rediss://`: ring, which
    // cross-builds for every release target (aws-lc-rs would need cmake and C).
    // An error only means one is installed already.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = redis::Client::open(config.url.as_str())?;
    let (writes, rx) = mpsc::channel(config.max_pending.max(1));
    let link = Arc::new(Link {
      breaker: Mutex::new(CircuitBreaker::new(
        config.breaker_threshold,
        config.breaker_cooldown.as_secs_f64() * 1000.0,
      )),
      repair: Mutex::new(RepairLog::new(config.max_repair_keys)),
      config,
      client,
      conn: Mutex::new(None),
      connected: watch::channel(false).0,
      first_connect_failed: AtomicBool::new(false),
      started: Instant::now(),
      counters: LinkCounters::default(),
      inbox,
      writes,
      closed: watch::channel(false).0,
    });
    napi::bindgen_prelude::spawn(link.clone().connect_loop());
    napi::bindgen_prelude::spawn(super::writer::write_loop(link.clone(), rx));
    napi::bindgen_prelude::spawn(super::bus::bus_loop(link.clone()));
    Ok(link)
  }

  fn now_ms(&self) -> f64 {
    self.started.elapsed().as_secs_f64() * 1000.0
  }

  /// `'ready' | 'connecting' | 'down' | 'closed'`, as `stats().l2.state` and `redisStatus()` report it.
  pub fn state(&self) -> &'static str {
    if self.is_closed() {
      return "closed";
    }
    if self.breaker.lock().state() != BreakerState::Closed {
      return "down";
    }
    // Ready means both halves work: commands, and the bus that keeps L1 honest.
    let bus = &self.inbox;
    match (self.conn.lock().is_some(), self.first_connect_failed.load(Relaxed)) {
      (false, false) => "connecting",
      (false, true) => "down",
      (true, _) if bus.subscribed.load(Relaxed) => "ready",
      (true, _) if bus.ever_subscribed.load(Relaxed) => "down",
      (true, _) => "connecting",
    }
  }

  pub fn is_closed(&self) -> bool {
    *self.closed.borrow()
  }

  /// A receiver that sees `true` once the link is closed.
  pub fn closed_signal(&self) -> watch::Receiver<bool> {
    self.closed.subscribe()
  }

  /// Stops every task of the link; queued writes already handed to the writer still run.
  pub fn close(&self) {
    self.closed.send_replace(true);
    self.conn.lock().take();
  }

  /// Queues a background write; false (and counted) when the queue is full or closed.
  pub fn enqueue(&self, write: Write) -> Result<(), Write> {
    self.writes.try_send(write).map_err(|e| {
      self.counters.rejected.fetch_add(1, Relaxed);
      match e {
        mpsc::error::TrySendError::Full(w) | mpsc::error::TrySendError::Closed(w) => w,
      }
    })
  }

  /// Resolves once every write queued so far was acknowledged or failed
  /// (at once if the queue is full or the link closed).
  pub async fn flush(&self) {
    let (done, wait) = tokio::sync::oneshot::channel();
    if self.enqueue(Write::Flush(done)).is_ok() {
      let _ = wait.await;
    }
  }

  /// Writes queued and not yet sent.
  pub fn pending_writes(&self) -> usize {
    self.writes.max_capacity() - self.writes.capacity()
  }

  /// Waits (up to the connect timeout) for the first connection.
  pub async fn wait_connected(&self) {
    let mut rx = self.connected.subscribe();
    let _ = tokio::time::timeout(self.config.connect_timeout, rx.wait_for(|up| *up)).await;
  }

  /// Runs one command (or pipeline) through the breaker, with the command timeout.
  pub async fn call<T, F, Fut>(&self, run: F) -> Result<T, CallError>
  where
    F: FnOnce(ConnectionManager) -> Fut,
    Fut: Future<Output = redis::RedisResult<T>>,
  {
    let conn = self.conn.lock().clone();
    let Some(conn) = conn else {
      self.counters.rejected.fetch_add(1, Relaxed);
      return Err(CallError::Unavailable);
    };
    if !self.breaker.lock().allow(self.now_ms()) {
      self.counters.rejected.fetch_add(1, Relaxed);
      return Err(CallError::Unavailable);
    }
    self.counters.commands.fetch_add(1, Relaxed);
    let outcome = tokio::time::timeout(self.config.command_timeout, run(conn)).await;
    let result = match outcome {
      Ok(Ok(v)) => Ok(v),
      Ok(Err(e)) if !is_outage(&e) => {
        // The server answered (e.g. a script error): the link is healthy.
        self.breaker.lock().succeeded();
        return Err(CallError::Refused);
      }
      Ok(Err(e)) => {
        if e.is_timeout() {
          // The connection's own response timeout (the same length) fired first.
          self.counters.timeouts.fetch_add(1, Relaxed);
        }
        Err(CallError::Failed)
      }
      Err(_) => {
        self.counters.timeouts.fetch_add(1, Relaxed);
        Err(CallError::Timeout)
      }
    };
    match &result {
      Ok(_) => {
        let recovered = {
          let mut breaker = self.breaker.lock();
          breaker.succeeded();
          breaker.take_recovered()
        };
        // Invalidations sent while this link could not hear them were missed: drop L1.
        if recovered {
          self.inbox.push_resync();
        }
      }
      Err(_) => {
        self.counters.failures.fetch_add(1, Relaxed);
        self.breaker.lock().failed(self.now_ms());
      }
    }
    result
  }

  /// Makes the first connection, retrying with backoff; afterwards the
  /// `ConnectionManager` reconnects by itself.
  async fn connect_loop(self: Arc<Self>) {
    let config = ConnectionManagerConfig::new()
      .set_connection_timeout(Some(self.config.connect_timeout))
      .set_response_timeout(Some(self.config.command_timeout))
      .set_number_of_retries(2)
      .set_max_delay(Duration::from_secs(1));
    let mut closed = self.closed_signal();
    let mut backoff = Duration::from_millis(50);
    loop {
      let attempt = tokio::time::timeout(
        self.config.connect_timeout,
        ConnectionManager::new_with_config(self.client.clone(), config.clone()),
      );
      tokio::select! {
        _ = closed.wait_for(|c| *c) => return,
        outcome = attempt => {
          if let Ok(Ok(conn)) = outcome {
            if !self.is_closed() {
              *self.conn.lock() = Some(conn);
              self.connected.send_replace(true);
            }
            return;
          }
          self.first_connect_failed.store(true, Relaxed);
        }
      }
      tokio::select! {
        _ = closed.wait_for(|c| *c) => return,
        _ = tokio::time::sleep(backoff) => {}
      }
      backoff = (backoff * 2).min(Duration::from_secs(2));
    }
  }
}

/// Whether an error means the server could not be reached (as opposed to an
/// answer the server gave).
fn is_outage(e: &redis::RedisError) -> bool {
  e.is_io_error()
    || e.is_connection_dropped()
    || e.is_connection_refusal()
    || e.is_timeout()
    || e.is_unrecoverable_error()
}

/// A random 64-bit id (sender ids, lock tokens): std's per-process random
/// hash keys mixed with a counter, so no extra crate is needed.
pub fn random_u64() -> u64 {
  static COUNTER: AtomicU64 = AtomicU64::new(0);
  let mut h = std::collections::hash_map::RandomState::new().build_hasher();
  h.write_u64(COUNTER.fetch_add(1, Relaxed));
  h.write_u128(Instant::now().elapsed().as_nanos());
  h.write_u32(std::process::id());
  h.finish() | 1 // never 0, which repairs use as "no sender"
}
