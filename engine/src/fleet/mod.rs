//! The rules of the Redis tier that need no network: when to stop calling a
//! failing server, what an invalidation message looks like on the wire, and
//! which writes must be repaired once the server is back. The binding's
//! `src/redis/` runs them against a real connection.

mod breaker;
mod bus_message;
mod repair_log;

pub use breaker::{BreakerState, CircuitBreaker};
pub use bus_message::{BusMessage, BusOp, MalformedMessage, MAX_MESSAGE_BYTES};
pub use repair_log::{Repair, RepairLog};
