//! Key layout of a cache namespace on Redis. For prefix `P` and cache `N`:
//! - `P N :gen`          the namespace generation (a `clear` increments it: O(1));
//! - `P N :<gen>:<key>`  an entry of the current generation (older ones are
//!                       unreachable and leave by their own TTL);
//! - `P N :lock:<key>`   the fleet single-flight lock of a key;
//! - `P bus`             the invalidation channel of every cache under `P`.
//! Cache names are restricted (see `js/redis.js`) so the three forms never collide.

/// The namespace base `P N :` of a cache.
pub fn namespace(prefix: &str, name: &str) -> String {
  format!("{prefix}{name}:")
}

/// The bus channel under `prefix`.
pub fn channel(prefix: &str) -> String {
  format!("{prefix}bus")
}

/// The lock key of `key` in namespace `ns`.
pub fn lock_key(ns: &str, key: &str) -> String {
  format!("{ns}lock:{key}")
}

/// The generation counter of namespace `ns`.
pub fn generation_key(ns: &str) -> String {
  format!("{ns}gen")
}

// The scripts resolve the generation on the server, in the same step as the
// access, so no instance ever reads or writes through a stale generation.
// (They build key names from ARGV, which is fine on a standalone Redis and
// is why Redis Cluster is not supported.) They are sent with EVAL, not
// EVALSHA: a pipeline cannot recover from NOSCRIPT after a server restart,
// and Redis caches the compiled body by its hash either way.

/// ARGV: ns, key. Returns `[value, pttl_ms]` or nil.
pub const GET: &str = "local k = ARGV[1] .. (redis.call('GET', ARGV[1] .. 'gen') or '0') .. ':' .. ARGV[2]
     local v = redis.call('GET', k)
     if not v then return false end
     return {v, redis.call('PTTL', k)}";

/// ARGV: ns, key, value, ttl_ms.
pub const SET: &str = "local k = ARGV[1] .. (redis.call('GET', ARGV[1] .. 'gen') or '0') .. ':' .. ARGV[2]
     return redis.call('SET', k, ARGV[3], 'PX', ARGV[4])";

/// ARGV: ns, key.
pub const DELETE: &str = "local k = ARGV[1] .. (redis.call('GET', ARGV[1] .. 'gen') or '0') .. ':' .. ARGV[2]
     return redis.call('DEL', k)";

/// KEYS: lock key; ARGV: token. Deletes the lock only if this token still holds it.
pub const UNLOCK: &str = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
     return 0";
