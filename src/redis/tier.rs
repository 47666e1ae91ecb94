//! `Tier`: one cache's namespace on a link. Background writes go through the
//! link's writer; `load` is the L2 path of `cacheAside`: an L2 read, else the
//! fleet lock (one fetch per fleet), else waiting for the lock holder's value.

use super::keys;
use super::link::{random_u64, CallError, Link};
use super::writer::Write;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest key written to L2; a longer one stays in L1 only (its bus message
/// would exceed `MAX_MESSAGE_BYTES`), counted as skipped.
pub const MAX_KEY_BYTES: usize = 16 * 1024;
/// First and longest pause between two L2 reads while another instance holds the lock.
const POLL_FIRST: Duration = Duration::from_millis(2);
const POLL_MAX: Duration = Duration::from_millis(50);

/// `stats().l2` counters of one cache.
#[derive(Default)]
pub struct TierCounters {
  pub hits: AtomicU64,
  pub misses: AtomicU64,
  pub writes: AtomicU64,
  pub errors: AtomicU64,
  pub skipped: AtomicU64,
  pub invalidations_sent: AtomicU64,
  pub invalidations_received: AtomicU64,
  /// `cacheAside` loads that ran the fetcher here (as the fleet's lock holder or on their own).
  pub fetches: AtomicU64,
}

/// What `load` found.
pub enum Loaded {
  /// L2 had the value: bytes and the TTL left in Redis (`None`: no expiry).
  Hit(Vec<u8>, Option<u64>),
  /// The fetcher ran here; its value is with the JS front.
  Fetched,
}

/// One cache's namespace.
pub struct Tier {
  pub link: Arc<Link>,
  pub name: String,
  pub ns: String,
  /// This cache's id on the bus (its own messages are ignored).
  pub sender: u64,
  pub counters: Arc<TierCounters>,
}

impl Tier {
  pub fn new(link: Arc<Link>, name: String) -> Tier {
    Tier {
      ns: keys::namespace(&link.config.prefix, &name),
      link,
      name,
      sender: random_u64(),
      counters: Arc::default(),
    }
  }

  /// Hands `write` to the writer. One the full queue refuses is counted and,
  /// like a write that failed on the wire, logged for repair: L2 may hold an
  /// older value, and the other instances were not told.
  fn queue(&self, write: Write) {
    let Err(refused) = self.link.enqueue(write) else { return };
    self.counters.errors.fetch_add(1, Relaxed);
    let mut log = self.link.repair.lock();
    match refused {
      Write::Set { key, .. } | Write::Delete { key, .. } => log.add_key(&self.name, &key),
      Write::Clear { .. } => log.add_clear(&self.name),
      // An unlock that cannot be queued leaves the lock to expire by itself.
      Write::Unlock { .. } | Write::Flush(_) => {}
    }
  }

  fn too_long(&self, key: &str) -> bool {
    if key.len() > MAX_KEY_BYTES {
      self.counters.skipped.fetch_add(1, Relaxed);
      return true;
    }
    false
  }

  /// Writes `value` to L2 for `ttl_ms` in the background and invalidates the key elsewhere.
  pub fn set(&self, key: String, value: Vec<u8>, ttl_ms: u64) {
    if self.too_long(&key) {
      return;
    }
    self.queue(Write::Set {
      tier: self.counters.clone(),
      ns: self.ns.clone(),
      name: self.name.clone(),
      sender: self.sender,
      key,
      value,
      ttl_ms: ttl_ms.max(1),
    });
  }

  /// Deletes `key` from L2 in the background and invalidates it elsewhere.
  pub fn delete(&self, key: String) {
    if self.too_long(&key) {
      return;
    }
    self.queue(Write::Delete {
      tier: self.counters.clone(),
      ns: self.ns.clone(),
      name: self.name.clone(),
      sender: self.sender,
      key,
    });
  }

  /// Starts a new generation of the namespace in the background; other instances clear their L1.
  pub fn clear(&self) {
    self.queue(Write::Clear {
      tier: self.counters.clone(),
      ns: self.ns.clone(),
      name: self.name.clone(),
      sender: self.sender,
    });
  }

  /// Resolves once every write queued so far was acknowledged or failed.
  pub async fn flush(&self) {
    self.link.flush().await
  }

  /// The L2 path of `cacheAside` for `key`: L2 hit, or one `fetch` per fleet.
  /// `fetch` runs the JS fetcher and yields the serialized value (`None`
  /// when it failed or cannot be stored), which goes to L2 with `ttl_ms`. Every Redis failure falls back to
  /// fetching here: an outage costs a fetch, never an error.
  pub async fn load<F, Fut>(&self, key: String, ttl_ms: u64, lock_ms: u64, fetch: F) -> Loaded
  where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<Vec<u8>>>,
  {
    if key.len() > MAX_KEY_BYTES {
      // L1 only; `set` counts it as skipped.
      return self.fetch_here(&key, ttl_ms, fetch).await;
    }
    let lock_key = keys::lock_key(&self.ns, &key);
    let token = format!("{:016x}", random_u64());
    let started = Instant::now();
    let mut pause = POLL_FIRST;
    let mut first_read = true;
    loop {
      match self.read(&key).await {
        Ok(Some((value, ttl))) => {
          self.counters.hits.fetch_add(1, Relaxed);
          return Loaded::Hit(value, ttl);
        }
        Ok(None) if first_read => {
          self.counters.misses.fetch_add(1, Relaxed);
        }
        Ok(None) => {}
        Err(_) => return self.fallback(&key, ttl_ms, fetch).await,
      }
      first_read = false;
      // Whoever sets the lock fetches; the others wait for its value. A
      // holder that dies or hangs loses the lock at its expiry, and the
      // next waiter to find it free takes over.
      let (lock_key2, token2) = (lock_key.clone(), token.clone());
      let locked = self
        .link
        .call(|mut conn| async move {
          redis::cmd("SET")
            .arg(&lock_key2)
            .arg(&token2)
            .arg("NX")
            .arg("PX")
            .arg(lock_ms)
            .query_async::<Option<String>>(&mut conn)
            .await
        })
        .await;
      match locked {
        Ok(Some(_)) => {
          let value = self.fetch_here(&key, ttl_ms, fetch).await;
          self.queue(Write::Unlock { lock_key, token });
          return value;
        }
        Ok(None) => {}
        Err(_) => return self.fallback(&key, ttl_ms, fetch).await,
      }
      if started.elapsed() > Duration::from_millis(lock_ms.saturating_mul(2)) {
        // Lock holders keep failing or hanging: stop waiting on the fleet.
        return self.fetch_here(&key, ttl_ms, fetch).await;
      }
      tokio::time::sleep(pause).await;
      pause = (pause * 2).min(POLL_MAX);
    }
  }

  async fn fetch_here<F, Fut>(&self, key: &str, ttl_ms: u64, fetch: F) -> Loaded
  where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<Vec<u8>>>,
  {
    self.counters.fetches.fetch_add(1, Relaxed);
    // Queued before any unlock, so lock waiters find the value once the lock is gone.
    if let Some(value) = fetch().await {
      self.set(key.to_owned(), value, ttl_ms);
    }
    Loaded::Fetched
  }

  async fn fallback<F, Fut>(&self, key: &str, ttl_ms: u64, fetch: F) -> Loaded
  where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Option<Vec<u8>>>,
  {
    self.counters.errors.fetch_add(1, Relaxed);
    self.fetch_here(key, ttl_ms, fetch).await
  }

  async fn read(&self, key: &str) -> Result<Option<(Vec<u8>, Option<u64>)>, CallError> {
    let (ns, key) = (self.ns.clone(), key.to_owned());
    let found: Option<(Vec<u8>, i64)> = self
      .link
      .call(|mut conn| async move {
        redis::cmd("EVAL")
          .arg(keys::GET)
          .arg(0)
          .arg(ns)
          .arg(key)
          .query_async(&mut conn)
          .await
      })
      .await?;
    Ok(found.map(|(value, pttl)| (value, u64::try_from(pttl).ok())))
  }
}
