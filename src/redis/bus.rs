//! The invalidation bus, receiving side: a dedicated pub/sub connection,
//! resubscribed after every loss, feeding a bounded inbox that the JS front
//! drains on a wake-up call. At most one wake-up is outstanding, and a full
//! inbox collapses into one "resync" (drop all of L1), so a flood of
//! messages costs bounded memory and never loses an invalidation.

use super::keys;
use super::link::Link;
use futures_util::StreamExt;
use hotpath_engine::fleet::{BusMessage, BusOp};
use parking_lot::Mutex;
use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::sync::Arc;
use std::time::Duration;

/// How often the subscription is pinged.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// Invalidations held for JS at most; past it they collapse into a resync.
const INBOX_CAPACITY: usize = 4096;

/// Tells the JS front that the inbox has something (a weak threadsafe function in `mod.rs`).
pub type Wake = Box<dyn Fn() + Send + Sync>;

/// Counters of the receiving side.
#[derive(Default)]
pub struct BusCounters {
  pub received: AtomicU64,
  pub malformed: AtomicU64,
  /// Times the inbox overflowed and was replaced by a resync.
  pub overflows: AtomicU64,
  pub resubscribes: AtomicU64,
}

#[derive(Default)]
struct InboxState {
  events: VecDeque<BusMessage>,
  resync: bool,
  wake_pending: bool,
}

/// Invalidations received and not yet taken by JS.
pub struct Inbox {
  state: Mutex<InboxState>,
  wake: Wake,
  pub counters: BusCounters,
  /// Whether the subscription is up now.
  pub subscribed: AtomicBool,
  /// Whether it ever was (a link whose bus never came up is still connecting).
  pub ever_subscribed: AtomicBool,
}

impl Inbox {
  pub fn new(wake: Wake) -> Self {
    Inbox {
      state: Mutex::new(InboxState::default()),
      wake,
      counters: BusCounters::default(),
      subscribed: AtomicBool::new(false),
      ever_subscribed: AtomicBool::new(false),
    }
  }

  /// Decodes and queues one payload; a malformed one is only counted.
  pub fn push_payload(&self, payload: &[u8]) {
    match BusMessage::decode(payload) {
      Ok(message) => {
        self.counters.received.fetch_add(1, Relaxed);
        self.push(|s| {
          if s.events.len() >= INBOX_CAPACITY {
            s.events.clear();
            s.resync = true;
            self.counters.overflows.fetch_add(1, Relaxed);
          } else if !s.resync {
            s.events.push_back(message);
          }
        })
      }
      Err(_) => {
        self.counters.malformed.fetch_add(1, Relaxed);
      }
    }
  }

  /// Queues a resync: every two-tier L1 of this link drops all its entries.
  pub fn push_resync(&self) {
    self.push(|s| {
      s.events.clear();
      s.resync = true;
    })
  }

  fn push(&self, change: impl FnOnce(&mut InboxState)) {
    let wake = {
      let mut s = self.state.lock();
      change(&mut s);
      !std::mem::replace(&mut s.wake_pending, true)
    };
    if wake {
      (self.wake)();
    }
  }

  /// Takes everything queued: `(resync, events)`.
  pub fn drain(&self) -> (bool, Vec<BusMessage>) {
    let mut s = self.state.lock();
    s.wake_pending = false;
    (std::mem::take(&mut s.resync), s.events.drain(..).collect())
  }
}

/// Keeps one subscription to the link's channel until the link closes. After
/// a lost subscription, the next successful one queues a resync: messages
/// sent in between were missed.
pub async fn bus_loop(link: Arc<Link>) {
  let channel = keys::channel(&link.config.prefix);
  let mut closed = link.closed_signal();
  let mut was_up = false;
  let mut backoff = Duration::from_millis(50);
  while !link.is_closed() {
    let subscribe = async {
      let mut pubsub = link.client.get_async_pubsub().await?;
      pubsub.subscribe(&channel).await?;
      redis::RedisResult::Ok(pubsub)
    };
    let subscribed = tokio::select! {
      _ = closed.wait_for(|c| *c) => return,
      s = tokio::time::timeout(link.config.connect_timeout, subscribe) => s,
    };
    if let Ok(Ok(pubsub)) = subscribed {
      if was_up {
        link.inbox.counters.resubscribes.fetch_add(1, Relaxed);
        link.inbox.push_resync();
      }
      was_up = true;
      backoff = Duration::from_millis(50);
      link.inbox.subscribed.store(true, Relaxed);
      link.inbox.ever_subscribed.store(true, Relaxed);
      let (mut sink, mut messages) = pubsub.split();
      let mut heartbeat = tokio::time::interval(HEARTBEAT);
      loop {
        let ping_due = tokio::select! {
          _ = closed.wait_for(|c| *c) => return,
          message = messages.next() => match message {
            Some(m) => {
              link.inbox.push_payload(m.get_payload_bytes());
              false
            }
            None => break,
          },
          _ = heartbeat.tick() => true,
        };
        // A server that stops answering (or a connection that died without a
        // reset) delivers nothing and closes nothing: only a ping notices.
        if ping_due {
          let ping = tokio::time::timeout(link.config.connect_timeout, sink.ping::<redis::Value>());
          if !matches!(ping.await, Ok(Ok(_))) {
            break;
          }
        }
      }
      link.inbox.subscribed.store(false, Relaxed);
    }
    tokio::select! {
      _ = closed.wait_for(|c| *c) => return,
      _ = tokio::time::sleep(backoff) => {},
    }
    backoff = (backoff * 2).min(Duration::from_secs(1));
  }
}

/// Whether a decoded message is a whole-cache clear (for the JS view).
pub fn is_clear(m: &BusMessage) -> bool {
  m.op == BusOp::Clear
}
