//! The parameter type for typed arrays the engine writes into.

/// A typed array the engine writes into. (An alias, because `#[napi]` reads a
/// literal `&mut` parameter as a class reference.)
pub(crate) type OutSlice<'a, T> = &'a mut [T];
