//! The one way the binding reports bad arguments from JS.

use napi::{Error, Status};

/// An `InvalidArg` error with `message` (the JS front has already checked
/// user input, so these name internal misuse).
pub(crate) fn invalid(message: &str) -> Error {
  Error::new(Status::InvalidArg, message.to_owned())
}
