//! Tag state shared by the Next.js cache handlers of a fleet. For prefix `P`
//! and handler namespace `N`:
//! - `P N :tags`        hash: tag → `"<stale ms>,<expired ms>"` (either may be empty);
//! - `P N :tags:until`  sorted set: tag → the time after which its state can no
//!                      longer matter (its last update or its expiry, whichever is later);
//! - `P N :tags:floor`  entries written before this time count as expired (see below);
//! - `P N :tags:version` a counter every update increments, and `P N :tags:seq`
//!                      (sorted set: tag → the version that last changed it), so a
//!                      request can ask for what changed since the version it knows.
//!
//! Revalidating a tag writes its state and nothing else: entries are checked
//! against tag state when read, so the cost does not grow with the cache.
//! The bookkeeping stays bounded: a state whose time is older than the
//! longest entry lifetime applies to no entry and is reclaimed, and past
//! `max_tags` the oldest states are dropped and the floor raised to their
//! time, which expires (conservatively) every entry they could have expired.
//! After an update the tags are announced on the bus, as key-only messages
//! of the namespace `N.tags`; receivers read the new states back. The bus is
//! fast but not a promise that the next request sees the change (a route
//! handler's revalidation may still be on its way when its response
//! arrives), so each request also asks `read_since` (one round trip, empty
//! when nothing changed).

use super::keys;
use super::link::{random_u64, Link};
use hotpath_engine::fleet::{BusMessage, BusOp};
use napi::Result;
use napi_derive::napi;
use std::sync::Arc;

/// Most stale states one update reclaims (the rest go on later updates).
const RECLAIM_BATCH: usize = 1_000;

/// ARGV: hash, until, floor, version, seq, now, cutoff, max_tags, batch, then
/// (tag, stale, expired, until) per tag; an empty stale or expired keeps the stored one.
const UPDATE: &str = "local h, z, f, seq = ARGV[1], ARGV[2], ARGV[3], ARGV[5]
     local now, cutoff, cap, batch = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
     local version = redis.call('INCR', ARGV[4])
     for i = 10, #ARGV, 4 do
       local tag, stale, expired = ARGV[i], ARGV[i + 1], ARGV[i + 2]
       local old = redis.call('HGET', h, tag)
       if old then
         local s, e = string.match(old, '^([^,]*),(.*)$')
         if stale == '' then stale = s end
         if expired == '' then expired = e end
       end
       redis.call('HSET', h, tag, stale .. ',' .. expired)
       redis.call('ZADD', z, ARGV[i + 3], tag)
       redis.call('ZADD', seq, version, tag)
     end
     local gone = redis.call('ZRANGEBYSCORE', z, '-inf', '(' .. cutoff, 'LIMIT', 0, batch)
     for _, tag in ipairs(gone) do
       redis.call('HDEL', h, tag)
       redis.call('ZREM', z, tag)
       redis.call('ZREM', seq, tag)
     end
     local excess = redis.call('ZCARD', z) - cap
     if excess > 0 then
       local floor = tonumber(redis.call('GET', f) or '0')
       local popped = redis.call('ZPOPMIN', z, excess)
       for i = 1, #popped, 2 do
         redis.call('HDEL', h, popped[i])
         redis.call('ZREM', seq, popped[i])
         floor = math.max(floor, math.min(now, tonumber(popped[i + 1])))
       end
       redis.call('SET', f, floor)
     end
     return redis.call('GET', f) or '0'";

/// ARGV: hash, floor, tags... Returns `[floor, state or false per tag]`.
const READ: &str = "local out = {redis.call('GET', ARGV[2]) or '0'}
     for i = 3, #ARGV do out[#out + 1] = redis.call('HGET', ARGV[1], ARGV[i]) or '' end
     return out";

/// Most changed tags `read_since` returns; past it the caller reads everything.
const MAX_CHANGES: usize = 10_000;

/// ARGV: hash, floor, version, seq, since, limit. Returns `[version, floor, tag,
/// state, ...]` for the tags changed after version `since` (none when the
/// version is not past it).
const READ_SINCE: &str = "local v = redis.call('GET', ARGV[3]) or '0'
     local out = {v, redis.call('GET', ARGV[2]) or '0'}
     if tonumber(v) > tonumber(ARGV[5]) then
       local changed = redis.call('ZRANGEBYSCORE', ARGV[4], '(' .. ARGV[5], '+inf', 'LIMIT', 0, ARGV[6])
       for _, tag in ipairs(changed) do
         out[#out + 1] = tag
         out[#out + 1] = redis.call('HGET', ARGV[1], tag) or ''
       end
     end
     return out";

/// ARGV: hash, floor, version. Returns `[version, floor, tag, state, tag, state, ...]`.
const READ_ALL: &str = "local out = {redis.call('GET', ARGV[3]) or '0', redis.call('GET', ARGV[2]) or '0'}
     local all = redis.call('HGETALL', ARGV[1])
     for i = 1, #all do out[#out + 1] = all[i] end
     return out";

/// One tag's new state for `TagStore.update`.
#[napi(object)]
pub struct TagUpdate {
  pub tag: String,
  /// The new stale time in ms, or `None` to keep the stored one.
  pub stale_ms: Option<f64>,
  /// The new expiry time in ms, or `None` to keep the stored one.
  pub expired_ms: Option<f64>,
}

/// The fleet's tag state of one handler namespace.
#[napi]
pub struct TagStore {
  link: Arc<Link>,
  hash: String,
  until: String,
  floor: String,
  version: String,
  seq: String,
  /// The bus namespace of the announcements (`N.tags`).
  bus_name: String,
  sender: u64,
}

impl TagStore {
  pub fn new(link: Arc<Link>, name: &str) -> Self {
    let ns = keys::namespace(&link.config.prefix, name);
    TagStore {
      hash: format!("{ns}tags"),
      until: format!("{ns}tags:until"),
      floor: format!("{ns}tags:floor"),
      version: format!("{ns}tags:version"),
      seq: format!("{ns}tags:seq"),
      bus_name: format!("{name}.tags"),
      sender: random_u64(),
      link,
    }
  }
}

/// Formats a time in whole ms, or the empty string for "keep".
fn ms_arg(ms: Option<f64>) -> String {
  ms.map_or_else(String::new, |v| format!("{}", v.round() as i64))
}

#[napi]
impl TagStore {
  /// This store's sender id on the bus (16 hex digits): its own announcements are ignored.
  #[napi(getter, catch_unwind)]
  pub fn sender(&self) -> String {
    format!("{:016x}", self.sender)
  }

  /// The bus namespace under which tag announcements arrive.
  #[napi(getter, catch_unwind)]
  pub fn bus_name(&self) -> String {
    self.bus_name.clone()
  }

  /// Writes the states of `updates` (merged with what Redis holds), reclaims
  /// states older than `max_age_ms`, keeps at most `max_tags`, and announces
  /// the tags on the bus. Resolves the floor in ms, or `null` if Redis did
  /// not take the update.
  #[napi(catch_unwind)]
  pub async fn update(&self, updates: Vec<TagUpdate>, now_ms: f64, max_age_ms: f64, max_tags: u32) -> Result<Option<f64>> {
    let mut pipe = redis::pipe();
    let eval = pipe
      .cmd("EVAL")
      .arg(UPDATE)
      .arg(0)
      .arg(&self.hash)
      .arg(&self.until)
      .arg(&self.floor)
      .arg(&self.version)
      .arg(&self.seq)
      .arg(now_ms.round() as i64)
      .arg((now_ms - max_age_ms).round() as i64)
      .arg(max_tags)
      .arg(RECLAIM_BATCH);
    for u in &updates {
      let until = now_ms.max(u.expired_ms.unwrap_or(0.0));
      eval
        .arg(&u.tag)
        .arg(ms_arg(u.stale_ms))
        .arg(ms_arg(u.expired_ms))
        .arg(until.round() as i64);
    }
    let channel = keys::channel(&self.link.config.prefix);
    for u in &updates {
      let message = BusMessage {
        sender: self.sender,
        op: BusOp::Delete,
        name: self.bus_name.clone(),
        key: u.tag.clone(),
      };
      if let Some(bytes) = message.encode() {
        pipe.publish(&channel, bytes).ignore();
      }
    }
    let sent = self
      .link
      .call(|mut conn| async move { pipe.query_async::<(String,)>(&mut conn).await })
      .await;
    Ok(sent.ok().and_then(|(floor,)| floor.parse::<f64>().ok()))
  }

  /// Reads the states of `tags`: `[floor, state per tag]`, a state being
  /// `"<stale>,<expired>"` or `""` when Redis holds none; rejects if Redis
  /// cannot be read.
  #[napi(catch_unwind)]
  pub async fn read(&self, tags: Vec<String>) -> Result<Vec<String>> {
    self.eval_strings(READ, tags).await
  }

  /// Reads every state: `[version, floor, tag, state, tag, state, ...]`;
  /// rejects if Redis cannot be read.
  #[napi(catch_unwind)]
  pub async fn read_all(&self) -> Result<Vec<String>> {
    self.link.wait_connected().await;
    self.eval_strings(READ_ALL, vec![self.version.clone()]).await
  }

  /// Reads what changed after version `since`: `[version, floor, tag, state,
  /// ...]`, no tags when nothing did; `maxChanges` tags or more means
  /// the caller should `readAll`. Rejects if Redis cannot be read.
  #[napi(catch_unwind)]
  pub async fn read_since(&self, since: f64) -> Result<Vec<String>> {
    let args = vec![
      self.version.clone(),
      self.seq.clone(),
      format!("{}", since as i64),
      MAX_CHANGES.to_string(),
    ];
    self.eval_strings(READ_SINCE, args).await
  }

  /// The most tags `readSince` returns.
  #[napi(getter, catch_unwind)]
  pub fn max_changes(&self) -> u32 {
    MAX_CHANGES as u32
  }
}

impl TagStore {
  /// Runs a read script with ARGV `hash, floor, extra...`.
  async fn eval_strings(&self, script: &'static str, extra: Vec<String>) -> Result<Vec<String>> {
    let (hash, floor) = (self.hash.clone(), self.floor.clone());
    self
      .link
      .call(|mut conn| async move {
        redis::cmd("EVAL")
          .arg(script)
          .arg(0)
          .arg(hash)
          .arg(floor)
          .arg(extra)
          .query_async::<Vec<String>>(&mut conn)
          .await
      })
      .await
      .map_err(|_| napi::Error::from_reason("redis: the tag state could not be read (Redis down, slow or refusing)"))
  }
}
