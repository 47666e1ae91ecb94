//! The background writer: `set`, `delete` and `clear` act on L1 at once and
//! reach Redis here, in the order they were issued, as one pipeline per batch
//! (one round trip for up to `BATCH` writes and their bus messages). A batch
//! that fails is counted, and its keys go to the repair log, which is
//! replayed as soon as the server answers again.

use super::keys;
use super::link::{CallError, Link};
use super::tier::TierCounters;
use hotpath_engine::fleet::{BusMessage, BusOp, Repair};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Writes sent per pipeline at most.
const BATCH: usize = 256;
/// How often a pending repair is retried while nothing else is written.
const REPAIR_RETRY: Duration = Duration::from_millis(100);

/// One background write of one cache.
pub enum Write {
  Set {
    tier: Arc<TierCounters>,
    ns: String,
    name: String,
    sender: u64,
    key: String,
    value: Vec<u8>,
    ttl_ms: u64,
  },
  Delete {
    tier: Arc<TierCounters>,
    ns: String,
    name: String,
    sender: u64,
    key: String,
  },
  Clear {
    tier: Arc<TierCounters>,
    ns: String,
    name: String,
    sender: u64,
  },
  /// Releases a fleet lock after the leader's value was written.
  Unlock { lock_key: String, token: String },
  /// Answers once every write queued before it was acknowledged or failed.
  Flush(oneshot::Sender<()>),
}

/// Drains the queue in batches until the link closes.
pub async fn write_loop(link: Arc<Link>, mut rx: mpsc::Receiver<Write>) {
  link.wait_connected().await;
  let mut batch = Vec::with_capacity(BATCH);
  let mut closed = link.closed_signal();
  loop {
    let repairing = !link.repair.lock().is_empty();
    let closing = tokio::select! {
      n = rx.recv_many(&mut batch, BATCH) => if n == 0 { return } else { false },
      _ = tokio::time::sleep(REPAIR_RETRY), if repairing => false,
      _ = closed.wait_for(|c| *c) => true,
    };
    if closing {
      // What was queued before the close still goes out (`closeRedis` flushes first).
      rx.close();
      while rx.recv_many(&mut batch, BATCH).await > 0 {
        send_batch(&link, &mut batch).await;
      }
      return;
    }
    send_batch(&link, &mut batch).await;
  }
}

async fn send_batch(link: &Link, batch: &mut Vec<Write>) {
  let channel = keys::channel(&link.config.prefix);
  let repairs = link.repair.lock().take(BATCH);
  let mut pipe = redis::pipe();
  for repair in &repairs {
    match repair {
      Repair::Key { name, key } => {
        let ns = keys::namespace(&link.config.prefix, name);
        eval(&mut pipe, keys::DELETE).arg(&ns).arg(key).ignore();
        publish(&mut pipe, &channel, 0, BusOp::Delete, name, key);
      }
      Repair::Clear { name } => {
        let ns = keys::namespace(&link.config.prefix, name);
        pipe.incr(keys::generation_key(&ns), 1).ignore();
        publish(&mut pipe, &channel, 0, BusOp::Clear, name, "");
      }
    }
  }
  let mut flushes = Vec::new();
  for write in batch.iter() {
    match write {
      Write::Set {
        ns,
        name,
        sender,
        key,
        value,
        ttl_ms,
        ..
      } => {
        eval(&mut pipe, keys::SET)
          .arg(ns)
          .arg(key)
          .arg(value.as_slice())
          .arg(*ttl_ms)
          .ignore();
        publish(&mut pipe, &channel, *sender, BusOp::Delete, name, key);
      }
      Write::Delete {
        ns, name, sender, key, ..
      } => {
        eval(&mut pipe, keys::DELETE).arg(ns).arg(key).ignore();
        publish(&mut pipe, &channel, *sender, BusOp::Delete, name, key);
      }
      Write::Clear { ns, name, sender, .. } => {
        pipe.incr(keys::generation_key(ns), 1).ignore();
        publish(&mut pipe, &channel, *sender, BusOp::Clear, name, "");
      }
      Write::Unlock { lock_key, token } => {
        pipe
          .cmd("EVAL")
          .arg(keys::UNLOCK)
          .arg(1)
          .arg(lock_key)
          .arg(token)
          .ignore();
      }
      Write::Flush(_) => {}
    }
  }
  let outcome = if pipe.is_empty() {
    Ok(())
  } else {
    link
      .call(|mut conn| async move { pipe.query_async::<()>(&mut conn).await })
      .await
  };
  let ok = outcome.is_ok();
  // A write the server refused (say, out of memory) is counted, not retried
  // forever; one that may not have arrived is repaired once the server answers.
  let repair = matches!(outcome, Err(ref e) if !matches!(e, CallError::Refused));
  if repair {
    let mut log = link.repair.lock();
    for repair in repairs {
      match repair {
        Repair::Key { name, key } => log.add_key(&name, &key),
        Repair::Clear { name } => log.add_clear(&name),
      }
    }
  }
  for write in batch.drain(..) {
    match write {
      Write::Set { tier, name, key, .. } | Write::Delete { tier, name, key, .. } => {
        count(&tier, ok);
        if repair {
          link.repair.lock().add_key(&name, &key);
        }
      }
      Write::Clear { tier, name, .. } => {
        count(&tier, ok);
        if repair {
          link.repair.lock().add_clear(&name);
        }
      }
      // A lock that could not be released expires by itself.
      Write::Unlock { .. } => {}
      Write::Flush(done) => flushes.push(done),
    }
  }
  for done in flushes {
    let _ = done.send(());
  }
}

/// Starts an EVAL of `script` (no KEYS; the caller adds ARGV).
fn eval<'a>(pipe: &'a mut redis::Pipeline, script: &str) -> &'a mut redis::Pipeline {
  pipe.cmd("EVAL").arg(script).arg(0)
}

fn count(tier: &TierCounters, ok: bool) {
  if ok {
    tier.writes.fetch_add(1, Relaxed);
    tier.invalidations_sent.fetch_add(1, Relaxed);
  } else {
    tier.errors.fetch_add(1, Relaxed);
  }
}

/// Adds the bus message for one invalidation; a key too long for the bus
/// (`MAX_MESSAGE_BYTES`) is never written to L2 (see `RedisTier.set`), so it needs none.
fn publish(pipe: &mut redis::Pipeline, channel: &str, sender: u64, op: BusOp, name: &str, key: &str) {
  let message = BusMessage {
    sender,
    op,
    name: name.to_owned(),
    key: key.to_owned(),
  };
  if let Some(bytes) = message.encode() {
    pipe.publish(channel, bytes).ignore();
  }
}
