//! The invalidation bus's wire format: key-only messages that name the cache
//! and carry the sender's id, so an instance ignores its own. Values never
//! travel on the bus.
//!
//! `h1|<sender: 16 hex digits>|<op: d or c>|<cache name>|<key>`; the key is
//! everything after the fourth `|` (it may contain `|`), and is empty for `c`.

/// The largest message accepted; anything longer is dropped and counted, so
/// a hostile or buggy publisher cannot make receivers hold large buffers.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;

const VERSION: &str = "h1";

/// What the receiver should drop from its L1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BusOp {
  /// One key was set or deleted elsewhere.
  Delete,
  /// The whole cache was cleared elsewhere.
  Clear,
}

/// One decoded invalidation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BusMessage {
  /// The id of the cache instance that sent it.
  pub sender: u64,
  pub op: BusOp,
  /// The cache's namespace (`name`).
  pub name: String,
  /// The key for `Delete`; empty for `Clear`.
  pub key: String,
}

/// Why a message was rejected (the receiver only counts it).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MalformedMessage {
  Oversized,
  NotUtf8,
  BadFormat,
}

impl BusMessage {
  /// The wire form; `None` if it would exceed `MAX_MESSAGE_BYTES` (the key stays L1-only).
  pub fn encode(&self) -> Option<Vec<u8>> {
    let op = match self.op {
      BusOp::Delete => 'd',
      BusOp::Clear => 'c',
    };
    let text = format!("{VERSION}|{:016x}|{op}|{}|{}", self.sender, self.name, self.key);
    (text.len() <= MAX_MESSAGE_BYTES).then(|| text.into_bytes())
  }

  /// Parses a payload received on the bus.
  pub fn decode(payload: &[u8]) -> Result<BusMessage, MalformedMessage> {
    if payload.len() > MAX_MESSAGE_BYTES {
      return Err(MalformedMessage::Oversized);
    }
    let text = std::str::from_utf8(payload).map_err(|_| MalformedMessage::NotUtf8)?;
    let mut parts = text.splitn(5, '|');
    let (Some(VERSION), Some(sender), Some(op), Some(name), Some(key)) =
      (parts.next(), parts.next(), parts.next(), parts.next(), parts.next())
    else {
      return Err(MalformedMessage::BadFormat);
    };
    if sender.len() != 16 || name.is_empty() {
      return Err(MalformedMessage::BadFormat);
    }
    let sender = u64::from_str_radix(sender, 16).map_err(|_| MalformedMessage::BadFormat)?;
    let op = match (op, key.is_empty()) {
      ("d", false) => BusOp::Delete,
      ("c", true) => BusOp::Clear,
      _ => return Err(MalformedMessage::BadFormat),
    };
    Ok(BusMessage {
      sender,
      op,
      name: name.to_owned(),
      key: key.to_owned(),
    })
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  fn delete(key: &str) -> BusMessage {
    BusMessage {
      sender: 0xabc,
      op: BusOp::Delete,
      name: "apiCache".into(),
      key: key.into(),
    }
  }

  #[test]
  fn round_trips_a_key_containing_the_separator() {
    let m = delete("user|42|x");
    assert_eq!(BusMessage::decode(&m.encode().unwrap()), Ok(m));
  }

  #[test]
  fn round_trips_a_clear() {
    let m = BusMessage {
      key: String::new(),
      op: BusOp::Clear,
      ..delete("")
    };
    assert_eq!(BusMessage::decode(&m.encode().unwrap()), Ok(m));
  }

  #[test]
  fn refuses_to_encode_a_key_too_long_for_the_bus() {
    assert_eq!(delete(&"k".repeat(MAX_MESSAGE_BYTES)).encode(), None);
  }

  #[test]
  fn rejects_oversized_non_utf8_and_garbled_payloads() {
    assert_eq!(
      BusMessage::decode(&vec![b'a'; MAX_MESSAGE_BYTES + 1]),
      Err(MalformedMessage::Oversized)
    );
    assert_eq!(BusMessage::decode(&[0xff, 0xfe]), Err(MalformedMessage::NotUtf8));
    for bad in [
      "",
      "hello",
      "h2|0000000000000abc|d|n|k",
      "h1|abc|d|n|k",
      "h1|zzzzzzzzzzzzzzzz|d|n|k",
      "h1|0000000000000abc|x|n|k",
      "h1|0000000000000abc|d||k",
      "h1|0000000000000abc|d|n|",
      "h1|0000000000000abc|c|n|k",
      "h1|0000000000000abc|d|n",
    ] {
      assert_eq!(
        BusMessage::decode(bad.as_bytes()),
        Err(MalformedMessage::BadFormat),
        "{bad:?}"
      );
    }
  }
}
