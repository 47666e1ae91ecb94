//! A wall clock in milliseconds that a background thread keeps current in
//! shared memory, so that reading it costs one memory load instead of a
//! `Date.now()` call (41 ns on the project machine, more than a whole cache hit).
//!
//! The thread runs only while someone reads the clock: after
//! [`IDLE_AFTER_MS`] without a [`wake`], it writes [`STALE`] into every cell
//! and parks. A reader that sees `STALE` calls [`wake`], which writes the
//! time itself and restarts the thread, so an idle process has no wake-ups.
//!
//! The rules (what a wake and a tick write, when the ticker goes idle) live
//! in [`Ticker`], which reads time from a [`TimeSource`]: the process-wide
//! ticker reads the system's clocks, and tests drive a manual one, so no test
//! sleeps.

use parking_lot::{Condvar, Mutex};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What a cell holds while the ticker is parked: readers must call [`wake`].
pub const STALE: f64 = 0.0;
/// How often the ticker refreshes the cells.
pub const TICK_MS: u64 = 1;
/// How long the ticker keeps running after the last [`wake`].
pub const IDLE_AFTER_MS: u64 = 1_000;

/// Where a [`Ticker`] reads time.
pub trait TimeSource: Send + Sync {
  /// Wall-clock milliseconds since the Unix epoch, whole, as `Date.now()`.
  fn epoch_ms(&self) -> f64;
  /// Milliseconds on a clock that never steps back: the idle deadline is
  /// kept on it, so a wall-clock step can neither park nor pin the ticker.
  fn monotonic_ms(&self) -> u64;
}

/// The system's clocks.
#[derive(Debug)]
pub struct SystemTimeSource {
  origin: Instant,
}

impl Default for SystemTimeSource {
  fn default() -> Self {
    SystemTimeSource { origin: Instant::now() }
  }
}

impl TimeSource for SystemTimeSource {
  fn epoch_ms(&self) -> f64 {
    system_now_ms()
  }

  fn monotonic_ms(&self) -> u64 {
    self.origin.elapsed().as_millis() as u64
  }
}

/// A clock that moves only when told to, for tests.
#[cfg(test)]
#[derive(Debug, Default)]
pub struct ManualTime {
  epoch_ms: AtomicU64,
  monotonic_ms: AtomicU64,
}

#[cfg(test)]
impl ManualTime {
  /// A clock reading `epoch_ms`, its monotonic side at 0.
  pub fn starting_at(epoch_ms: u64) -> Self {
    ManualTime {
      epoch_ms: AtomicU64::new(epoch_ms),
      monotonic_ms: AtomicU64::new(0),
    }
  }

  /// Moves both sides forward by `ms`.
  pub fn advance(&self, ms: u64) {
    self.epoch_ms.fetch_add(ms, Ordering::Relaxed);
    self.monotonic_ms.fetch_add(ms, Ordering::Relaxed);
  }
}

#[cfg(test)]
impl TimeSource for ManualTime {
  fn epoch_ms(&self) -> f64 {
    self.epoch_ms.load(Ordering::Relaxed) as f64
  }

  fn monotonic_ms(&self) -> u64 {
    self.monotonic_ms.load(Ordering::Relaxed)
  }
}

/// One reader's view of the clock: milliseconds since the Unix epoch as the
/// bits of an `f64`, the layout of a one-element `Float64Array`.
#[derive(Debug, Default)]
pub struct ClockCell {
  now_ms_bits: AtomicU64,
}

impl ClockCell {
  /// The last time written, or [`STALE`].
  pub fn read_ms(&self) -> f64 {
    f64::from_bits(self.now_ms_bits.load(Ordering::Relaxed))
  }

  fn write_ms(&self, now_ms: f64) {
    self.now_ms_bits.store(now_ms.to_bits(), Ordering::Relaxed);
  }

  /// The address a typed array can view; valid while the `Arc` lives.
  pub fn as_ptr(&self) -> *mut f64 {
    self.now_ms_bits.as_ptr().cast()
  }
}

/// The cells of every reader and the rule that keeps them current: running
/// (cells at the current time) for [`IDLE_AFTER_MS`] after the last wake,
/// then idle (cells [`STALE`]). It runs no thread itself; [`wake`] and the
/// process-wide thread drive the global one, tests call [`Ticker::tick`].
pub struct Ticker<T: TimeSource> {
  time: T,
  state: Mutex<TickerState>,
  wakeup: Condvar,
}

#[derive(Default)]
struct TickerState {
  cells: Vec<Arc<ClockCell>>,
  /// Monotonic ms until which the ticker runs; `None` while idle.
  run_until_ms: Option<u64>,
  thread_started: bool,
}

impl<T: TimeSource> Ticker<T> {
  /// A ticker with no cells, idle, reading `time`.
  pub fn new(time: T) -> Self {
    Ticker {
      time,
      state: Mutex::new(TickerState::default()),
      wakeup: Condvar::new(),
    }
  }

  /// The time source, for tests to move.
  #[cfg(test)]
  pub fn time(&self) -> &T {
    &self.time
  }

  /// Registers a new cell; it reads [`STALE`] until the next wake.
  pub fn register(&self) -> Arc<ClockCell> {
    let cell = Arc::new(ClockCell::default());
    self.state.lock().cells.push(Arc::clone(&cell));
    cell
  }

  /// Stops updating `cell` (its reader is gone).
  pub fn unregister(&self, cell: &Arc<ClockCell>) {
    self.state.lock().cells.retain(|c| !Arc::ptr_eq(c, cell));
  }

  /// Writes the current time into every cell and keeps the ticker running
  /// for another [`IDLE_AFTER_MS`]; returns the time written.
  pub fn wake(&self) -> f64 {
    self.wake_locked(&mut self.state.lock())
  }

  /// One tick: refreshes the cells while running, or marks them [`STALE`]
  /// and goes idle once [`IDLE_AFTER_MS`] have passed since the last wake.
  /// Returns whether the ticker is still running.
  pub fn tick(&self) -> bool {
    self.tick_locked(&mut self.state.lock())
  }

  fn wake_locked(&self, state: &mut TickerState) -> f64 {
    let now_ms = self.time.epoch_ms();
    for cell in &state.cells {
      cell.write_ms(now_ms);
    }
    state.run_until_ms = Some(self.time.monotonic_ms() + IDLE_AFTER_MS);
    now_ms
  }

  fn tick_locked(&self, state: &mut TickerState) -> bool {
    match state.run_until_ms {
      Some(deadline) if self.time.monotonic_ms() < deadline => {
        let now_ms = self.time.epoch_ms();
        for cell in &state.cells {
          cell.write_ms(now_ms);
        }
        true
      }
      _ => {
        for cell in &state.cells {
          cell.write_ms(STALE);
        }
        state.run_until_ms = None;
        false
      }
    }
  }
}

fn ticker() -> &'static Ticker<SystemTimeSource> {
  static TICKER: OnceLock<Ticker<SystemTimeSource>> = OnceLock::new();
  TICKER.get_or_init(|| Ticker::new(SystemTimeSource::default()))
}

/// The system wall clock in whole milliseconds, as `Date.now()` reports it.
pub fn system_now_ms() -> f64 {
  let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
  since_epoch.as_millis() as f64
}

/// Registers a new cell with the process-wide ticker; it reads [`STALE`]
/// until the first [`wake`].
pub fn register() -> Arc<ClockCell> {
  ticker().register()
}

/// Stops updating `cell` (its reader is gone).
pub fn unregister(cell: &Arc<ClockCell>) {
  ticker().unregister(cell);
}

/// Writes the current time into every cell, keeps the process-wide ticker
/// thread running for another [`IDLE_AFTER_MS`], and returns the time written.
pub fn wake() -> f64 {
  let ticker = ticker();
  let mut state = ticker.state.lock();
  let now_ms = ticker.wake_locked(&mut state);
  if !state.thread_started {
    state.thread_started = true;
    // A detached thread: it holds no libuv handle, so it never keeps Node alive.
    std::thread::Builder::new()
      .name("hotpath-clock".into())
      .spawn(run_ticker)
      .expect("spawning the clock thread");
  }
  ticker.wakeup.notify_one();
  now_ms
}

fn run_ticker() {
  let ticker = ticker();
  let mut state = ticker.state.lock();
  loop {
    if ticker.tick_locked(&mut state) {
      ticker.wakeup.wait_for(&mut state, Duration::from_millis(TICK_MS));
    } else {
      ticker.wakeup.wait(&mut state);
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  const START_MS: u64 = 1_750_000_000_000;

  fn manual_ticker() -> Ticker<ManualTime> {
    Ticker::new(ManualTime::starting_at(START_MS))
  }

  #[test]
  fn a_new_cell_is_stale_until_woken() {
    let t = manual_ticker();
    let cell = t.register();
    assert_eq!(cell.read_ms(), STALE);
    assert_eq!(t.wake(), START_MS as f64);
    assert_eq!(cell.read_ms(), START_MS as f64);
  }

  #[test]
  fn each_tick_while_running_writes_the_current_time() {
    let t = manual_ticker();
    let cell = t.register();
    t.wake();
    t.time().advance(50);
    assert!(t.tick());
    assert_eq!(cell.read_ms(), (START_MS + 50) as f64);
  }

  #[test]
  fn an_unregistered_cell_is_no_longer_written() {
    let t = manual_ticker();
    let cell = t.register();
    t.unregister(&cell);
    t.wake();
    assert_eq!(cell.read_ms(), STALE);
  }

  #[test]
  fn the_ticker_goes_idle_and_marks_cells_stale_once_nobody_wakes_it() {
    let t = manual_ticker();
    let cell = t.register();
    t.wake();
    t.time().advance(IDLE_AFTER_MS - 1);
    assert!(t.tick(), "still running 1 ms before the idle deadline");
    t.time().advance(1);
    assert!(!t.tick());
    assert_eq!(cell.read_ms(), STALE);
  }

  #[test]
  fn a_wake_while_running_pushes_the_idle_deadline_back() {
    let t = manual_ticker();
    let cell = t.register();
    t.wake();
    t.time().advance(IDLE_AFTER_MS - 10);
    t.wake();
    t.time().advance(20);
    assert!(t.tick());
    assert_eq!(cell.read_ms(), (START_MS + IDLE_AFTER_MS + 10) as f64);
  }

  #[test]
  fn an_idle_ticker_runs_again_after_a_wake() {
    let t = manual_ticker();
    let cell = t.register();
    t.wake();
    t.time().advance(IDLE_AFTER_MS);
    assert!(!t.tick());
    t.wake();
    assert!(t.tick());
    assert_eq!(cell.read_ms(), (START_MS + IDLE_AFTER_MS) as f64);
  }

  #[test]
  fn the_system_clock_is_whole_milliseconds_since_the_epoch() {
    let ms = system_now_ms();
    assert_eq!(ms.fract(), 0.0);
    assert!(ms > 1.7e12, "{ms} is not milliseconds since 1970");
  }
}
