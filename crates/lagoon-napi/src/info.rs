//! Build facts about the binding, and a test hook for the panic path.

use napi_derive::napi;

use crate::errors::{guard, Result};

/// Version of the binding crate, so the loader can report what it loaded.
#[napi]
pub fn native_version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Panics on purpose inside the panic guard. Used only by tests to prove a
/// Rust panic becomes a coded JS error instead of aborting Node.
#[napi(js_name = "_testPanic", catch_unwind)]
pub fn test_panic(message: String) -> Result<()> {
    guard(|| panic!("{message}"))
}
