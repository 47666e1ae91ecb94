//! The monitor's fleet view on Redis. Each instance keeps one hash,
//! `P N :fleet:<instance>` (metric name → the blob of
//! `hotpath_engine::metrics::encode_metric`), replaced whole and given an
//! expiry on every publish, so a dead instance drops out by Redis's own
//! clock. The set `P N :fleet` lists the instances; a reader removes the
//! members whose hash has expired. `P N :fleet:<instance>:caches` holds the
//! instance's cache counters (JSON, written and expiring with the hash).
//! `P N :fleet:claim:<claim>` keys make one instance of the fleet deliver
//! each alert transition.

use super::keys;
use super::link::Link;
use napi::bindgen_prelude::Buffer;
use napi::Result;
use napi_derive::napi;
use std::sync::Arc;

/// Most instances a reader merges: bounds its memory and round trip.
const MAX_INSTANCES: usize = 1_000;

/// What `FleetStore.collect` read: one `(names[i], blobs[i])` per live
/// instance and name, published by instance `members[owners[i]]`, and how
/// many instances had something to read (`members.length`).
#[napi(object)]
pub struct FleetCollection {
  pub instances: u32,
  pub members: Vec<String>,
  pub names: Vec<String>,
  pub blobs: Vec<Buffer>,
  pub owners: Vec<u32>,
  /// Each member's cache counters as it published them (JSON; empty when
  /// it published none), read only when every name is collected.
  pub caches: Vec<Buffer>,
}

/// One monitor's fleet keys on a link.
#[napi]
pub struct FleetStore {
  link: Arc<Link>,
  index: String,
}

impl FleetStore {
  pub fn new(link: Arc<Link>, name: &str) -> Self {
    let index = format!("{}fleet", keys::namespace(&link.config.prefix, name));
    FleetStore { link, index }
  }

  fn instance_key(&self, instance: &str) -> String {
    format!("{}:{instance}", self.index)
  }

  fn caches_key(&self, instance: &str) -> String {
    format!("{}:{instance}:caches", self.index)
  }
}

#[napi]
impl FleetStore {
  /// Replaces this instance's hash with `names[i] → blobs[i]` and its cache
  /// counters with `caches`, expiring in `ttlMs`; resolves false if Redis did
  /// not take it (down, slow, breaker open).
  #[napi(catch_unwind)]
  pub async fn publish(&self, instance: String, names: Vec<String>, blobs: Vec<Buffer>, caches: Buffer, ttl_ms: u32) -> Result<bool> {
    let key = self.instance_key(&instance);
    let caches_key = self.caches_key(&instance);
    let caches = caches.to_vec();
    let index = self.index.clone();
    let fields: Vec<(String, Vec<u8>)> = names.into_iter().zip(blobs.iter().map(|b| b.to_vec())).collect();
    let ttl = u64::from(ttl_ms.max(1));
    // Right after the monitor is created the link may still be connecting (bounded by its connect timeout).
    self.link.wait_connected().await;
    let sent = self
      .link
      .call(|mut conn| async move {
        // One transaction: a reader never sees the hash emptied between DEL and HSET.
        let mut pipe = redis::pipe();
        pipe.atomic().del(&key).ignore();
        if !fields.is_empty() {
          pipe
            .hset_multiple(&key, &fields)
            .ignore()
            .pexpire(&key, ttl as i64)
            .ignore();
        }
        pipe.pset_ex(&caches_key, caches, ttl).ignore();
        // The index outlives its members by one expiry, refreshed by every publisher.
        pipe
          .sadd(&index, &instance)
          .ignore()
          .pexpire(&index, 2 * ttl as i64)
          .ignore();
        pipe.query_async::<()>(&mut conn).await
      })
      .await;
    Ok(sent.is_ok())
  }

  /// Removes this instance's hash (a monitor closing down).
  #[napi(catch_unwind)]
  pub async fn withdraw(&self, instance: String) -> Result<bool> {
    let key = self.instance_key(&instance);
    let caches_key = self.caches_key(&instance);
    let index = self.index.clone();
    let sent = self
      .link
      .call(|mut conn| async move {
        redis::pipe()
          .del(&key)
          .ignore()
          .del(&caches_key)
          .ignore()
          .srem(&index, &instance)
          .ignore()
          .query_async::<()>(&mut conn)
          .await
      })
      .await;
    Ok(sent.is_ok())
  }

  /// Claims `claim` for the fleet (`SET NX PX`): `'claimed'` for the first
  /// instance, `'taken'` if another got it first, `'unavailable'` if Redis
  /// could not answer (the caller then acts alone rather than not at all).
  #[napi(catch_unwind)]
  pub async fn claim(&self, claim: String, ttl_ms: u32) -> Result<String> {
    let key = format!("{}:claim:{claim}", self.index);
    self.link.wait_connected().await;
    let outcome = self
      .link
      .call(|mut conn| async move {
        redis::cmd("SET")
          .arg(&key)
          .arg(1)
          .arg("NX")
          .arg("PX")
          .arg(ttl_ms.max(1))
          .query_async::<Option<String>>(&mut conn)
          .await
      })
      .await;
    Ok(
      match outcome {
        Ok(Some(_)) => "claimed",
        Ok(None) => "taken",
        Err(_) => "unavailable",
      }
      .to_owned(),
    )
  }

  /// Every live instance's blobs, for `name` only if given; rejects if Redis cannot be read.
  #[napi(catch_unwind)]
  pub async fn collect(&self, name: Option<String>) -> Result<FleetCollection> {
    let index = self.index.clone();
    self.link.wait_connected().await;
    let failed = |_| napi::Error::from_reason("redis: the fleet view could not be read (Redis down, slow or refusing)");
    let members: Vec<String> = self
      .link
      .call(|mut conn| async move { redis::cmd("SMEMBERS").arg(&index).query_async(&mut conn).await })
      .await
      .map_err(failed)?;
    let members: Vec<String> = members.into_iter().take(MAX_INSTANCES).collect();
    let keys: Vec<String> = members.iter().map(|m| self.instance_key(m)).collect();
    let wanted = name.clone();
    let hashes: Vec<Vec<(String, Vec<u8>)>> = self
      .link
      .call(|mut conn| async move {
        let mut pipe = redis::pipe();
        for key in &keys {
          match &wanted {
            // HGET's nil reads as an empty list of pairs below, as an expired hash's HGETALL does.
            Some(name) => pipe.cmd("HMGET").arg(key).arg(name),
            None => pipe.hgetall(key),
          };
        }
        let replies: Vec<redis::Value> = pipe.query_async(&mut conn).await?;
        Ok(
          replies
            .into_iter()
            .map(|reply| pairs(reply, wanted.as_deref()))
            .collect(),
        )
      })
      .await
      .map_err(failed)?;
    let mut out = FleetCollection {
      instances: 0,
      members: Vec::new(),
      names: Vec::new(),
      blobs: Vec::new(),
      owners: Vec::new(),
      caches: Vec::new(),
    };
    let mut dead = Vec::new();
    for (member, hash) in members.into_iter().zip(hashes) {
      if hash.is_empty() {
        // Only a whole hash's absence says the instance is gone (one name may just be missing).
        if name.is_none() {
          dead.push(member);
        }
        continue;
      }
      for (n, blob) in hash {
        out.names.push(n);
        out.blobs.push(blob.into());
        out.owners.push(out.instances);
      }
      out.members.push(member);
      out.instances += 1;
    }
    if name.is_none() && !out.members.is_empty() {
      let keys: Vec<String> = out.members.iter().map(|m| self.caches_key(m)).collect();
      let caches: Vec<Option<Vec<u8>>> = self
        .link
        .call(|mut conn| async move { redis::cmd("MGET").arg(&keys).query_async(&mut conn).await })
        .await
        .map_err(failed)?;
      out.caches = caches.into_iter().map(|c| c.unwrap_or_default().into()).collect();
    }
    if !dead.is_empty() {
      let index = self.index.clone();
      // Best effort: a failed clean-up is retried by the next reader.
      let _ = self
        .link
        .call(|mut conn| async move {
          redis::cmd("SREM")
            .arg(&index)
            .arg(&dead)
            .query_async::<()>(&mut conn)
            .await
        })
        .await;
    }
    Ok(out)
  }
}

/// The `(name, blob)` pairs of one reply: HGETALL's flat or map reply, or
/// HMGET's one value (nil when the instance lacks `name` or has expired).
fn pairs(reply: redis::Value, name: Option<&str>) -> Vec<(String, Vec<u8>)> {
  use redis::Value;
  let text = |v: &Value| match v {
    Value::BulkString(b) => Some(b.clone()),
    _ => None,
  };
  match (reply, name) {
    (Value::Array(items), Some(name)) => items.iter().filter_map(text).map(|b| (name.to_owned(), b)).collect(),
    (Value::Array(items), None) => items
      .chunks_exact(2)
      .filter_map(|kv| Some((String::from_utf8(text(&kv[0])?).ok()?, text(&kv[1])?)))
      .collect(),
    (Value::Map(items), None) => items
      .iter()
      .filter_map(|(k, v)| Some((String::from_utf8(text(k)?).ok()?, text(v)?)))
      .collect(),
    _ => Vec::new(),
  }
}
