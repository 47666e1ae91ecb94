//! `RedisLimiter`: one `RateLimiter`'s fleet window on a link. Each
//! identifier is a sorted set of admission times (microseconds of Redis's own
//! `TIME`, so instance clocks never matter), at most `maxRequests` members,
//! expiring with the window. `consume` decides one request in one script
//! (exact across the fleet); `exchange` is the background sync of the
//! synchronous path: it pushes this instance's admissions and pulls the
//! others'. Arguments arrive checked by `js/fleet-limiter.js`.

use super::link::{random_u64, Link};
use super::RedisLink;
use napi::Result;
use napi_derive::napi;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Arc;

// Both scripts stamp an admission with `max(TIME, newest score + 1)`, so the
// scores of one identifier strictly increase across scripts: a reader that
// remembers the newest score it saw (its cursor) later finds exactly the
// admissions stamped after it. Members are `<instance>:<sequence>`, so an
// instance tells its own admissions from the others'. Scores go out as
// integers (exact below 2^53) and cursors come in as strings: Lua's own
// number-to-string conversion keeps only 14 digits. TIME inside a script is
// allowed with effects replication (the default since Redis 5; the call
// below turns it on for older servers and is a no-op on newer ones).

/// KEYS: the identifier's set. ARGV: max, window µs, member.
/// Returns `[allowed 0|1, count after, stamp µs, oldest µs, newest µs]`.
const CONSUME: &str = "if redis.replicate_commands then redis.replicate_commands() end
local key, max, win = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
if last[2] and tonumber(last[2]) >= now then now = tonumber(last[2]) + 1 end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
local n = redis.call('ZCARD', key)
local allowed = 0
if n < max then
  redis.call('ZADD', key, now, ARGV[3])
  redis.call('PEXPIRE', key, math.ceil(win / 1000))
  n = n + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
return {allowed, n, now, tonumber(oldest[2] or 0), tonumber(newest[2] or 0)}";

/// KEYS: identifier sets. ARGV: max, window µs, instance, first sequence,
/// then per key: admissions to push, cursor (µs, a decimal string).
/// Returns `[now µs, then per key: new cursor, k, k scores of the others' admissions after the cursor]`.
const EXCHANGE: &str = "if redis.replicate_commands then redis.replicate_commands() end
local max, win, inst, seq = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3] .. ':', tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local out = {now}
for i, key in ipairs(KEYS) do
  local push = tonumber(ARGV[3 + 2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
  local seen = redis.call('ZRANGEBYSCORE', key, '(' .. ARGV[4 + 2 * i], '+inf', 'WITHSCORES')
  local others = {}
  for j = 1, #seen, 2 do
    if string.sub(seen[j], 1, #inst) ~= inst then others[#others + 1] = tonumber(seen[j + 1]) end
  end
  local newest = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  local stamp = now
  if newest[2] and tonumber(newest[2]) >= stamp then stamp = tonumber(newest[2]) + 1 end
  for j = 1, push do
    redis.call('ZADD', key, stamp, inst .. seq)
    stamp, seq = stamp + 1, seq + 1
  end
  if push > 0 then
    redis.call('ZREMRANGEBYRANK', key, 0, -(max + 1))
    redis.call('PEXPIRE', key, math.ceil(win / 1000))
    out[#out + 1] = stamp - 1
  else
    out[#out + 1] = tonumber(newest[2] or ARGV[4 + 2 * i])
  end
  out[#out + 1] = #others
  for j = 1, #others do out[#out + 1] = others[j] end
end
return out";

/// What `consume` decided; times in ms of Redis's clock. `available` false
/// means Redis could not decide (nothing else is set).
#[napi(object)]
pub struct FleetDecision {
  pub available: bool,
  pub allowed: bool,
  /// Admissions in the window after the decision.
  pub count: u32,
  /// When the request was decided (and, if allowed, stamped).
  pub at_ms: f64,
  pub oldest_ms: f64,
  pub newest_ms: f64,
}

/// What `exchange` pulled: `null` when Redis could not answer. Per key, in
/// order: the new cursor (µs), how many of the others' admissions follow,
/// then their times (µs of Redis's clock).
#[napi(object)]
pub struct FleetExchange {
  /// Redis's clock when the script ran, in ms.
  pub now_ms: f64,
  pub entries: Vec<f64>,
}

/// One limiter's identifiers on a link.
#[napi]
pub struct RedisLimiter {
  link: Arc<Link>,
  /// `<prefix>rl|<name>:`; `|` is outside cache names, so no cache key starts so.
  base: String,
  max_requests: u32,
  window_us: f64,
  instance: String,
  sequence: Arc<AtomicU64>,
}

impl RedisLimiter {
  /// Waits for the link's first connection, at most one command timeout: a
  /// process's first requests are decided on Redis, and a Redis that is down
  /// from the start costs each call no more than a command would.
  async fn connected(&self) {
    let _ = tokio::time::timeout(self.link.config.command_timeout, self.link.wait_connected()).await;
  }
}

#[napi]
impl RedisLimiter {
  /// A limiter `name` on `link`: `max_requests` per rolling `window_ms`.
  #[napi(constructor, catch_unwind)]
  pub fn new(link: &RedisLink, name: String, max_requests: u32, window_ms: f64) -> Self {
    RedisLimiter {
      base: format!("{}rl|{name}:", link.link.config.prefix),
      link: link.link.clone(),
      max_requests,
      window_us: (window_ms * 1000.0).round(),
      instance: format!("{:016x}", random_u64()),
      sequence: Arc::default(),
    }
  }

  /// Decides one request of `identifier` on Redis (one script, one round trip).
  #[napi(catch_unwind)]
  pub async fn consume(&self, identifier: String) -> Result<FleetDecision> {
    let key = format!("{}{identifier}", self.base);
    let member = format!("{}:{}", self.instance, self.sequence.fetch_add(1, Relaxed));
    let (max, win) = (self.max_requests, self.window_us);
    self.connected().await;
    let answer: std::result::Result<(u8, u32, i64, i64, i64), _> = self
      .link
      .call(|mut conn| async move {
        redis::cmd("EVAL")
          .arg(CONSUME)
          .arg(1)
          .arg(key)
          .arg(max)
          .arg(win)
          .arg(member)
          .query_async(&mut conn)
          .await
      })
      .await;
    let ms = |us: i64| us as f64 / 1000.0;
    Ok(match answer {
      Ok((allowed, count, at, oldest, newest)) => FleetDecision {
        available: true,
        allowed: allowed == 1,
        count,
        at_ms: ms(at),
        oldest_ms: ms(oldest),
        newest_ms: ms(newest),
      },
      Err(_) => FleetDecision {
        available: false,
        allowed: false,
        count: 0,
        at_ms: 0.0,
        oldest_ms: 0.0,
        newest_ms: 0.0,
      },
    })
  }

  /// Pushes `pushes[i]` admissions of `identifiers[i]` and pulls the others'
  /// admissions stamped after `cursors[i]` (µs, as the last exchange returned them).
  #[napi(catch_unwind)]
  pub async fn exchange(&self, identifiers: Vec<String>, pushes: Vec<u32>, cursors: Vec<f64>) -> Result<Option<FleetExchange>> {
    let total: u64 = pushes.iter().map(|&p| u64::from(p)).sum();
    let first = self.sequence.fetch_add(total, Relaxed);
    let mut cmd = redis::cmd("EVAL");
    cmd.arg(EXCHANGE).arg(identifiers.len());
    for id in &identifiers {
      cmd.arg(format!("{}{id}", self.base));
    }
    cmd.arg(self.max_requests).arg(self.window_us).arg(&self.instance).arg(first);
    for (push, cursor) in pushes.iter().zip(&cursors) {
      cmd.arg(*push).arg(format!("{}", *cursor as i64));
    }
    self.connected().await;
    let answer: std::result::Result<Vec<i64>, _> = self.link.call(|mut conn| async move { cmd.query_async(&mut conn).await }).await;
    Ok(answer.ok().and_then(|words| {
      let (&now, rest) = words.split_first()?;
      Some(FleetExchange {
        now_ms: now as f64 / 1000.0,
        entries: rest.iter().map(|&w| w as f64).collect(),
      })
    }))
  }
}
