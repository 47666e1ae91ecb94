//! No tokio threads in a process that never uses Redis. With napi's
//! `tokio_rt` alone, the runtime (one worker thread per core, idle) starts
//! when the module loads, in every process that imports hotpath. Registering
//! this backend (napi's `async-runtime`) makes `#[napi] async fn` futures go
//! through it; it forwards them to napi's own tokio runtime, which napi builds
//! lazily on the first `napi::bindgen_prelude::spawn` (the first `RedisLink`,
//! or the first async call) and still drains at environment teardown.

use napi::bindgen_prelude::{AsyncRuntime, AsyncRuntimeTask, AsyncRuntimeRejection};
use std::future::Future;
use std::pin::Pin;

/// The async backend: napi's tokio runtime, started on first use.
struct LazyTokio;

// SAFETY: this backend owns no thread, task or callback: every task goes to
// napi's own tokio runtime, which pins the addon's image when it is built and
// which napi shuts down itself (combined `tokio_rt` + `async-runtime` build).
unsafe impl AsyncRuntime for LazyTokio {
  fn spawn(&self, task: AsyncRuntimeTask) -> Result<(), AsyncRuntimeRejection<AsyncRuntimeTask>> {
    napi::bindgen_prelude::spawn(task);
    Ok(())
  }

  fn block_on(&self, future: Pin<&mut dyn Future<Output = ()>>) -> napi::Result<()> {
    napi::bindgen_prelude::block_on(future);
    Ok(())
  }

  fn shutdown(&self) -> napi::Result<()> {
    // Nothing of ours to stop: napi drains the tokio runtime it built.
    Ok(())
  }
}

#[napi_derive::module_init]
fn register_lazy_runtime() {
  napi::bindgen_prelude::register_async_runtime(LazyTokio);
}
