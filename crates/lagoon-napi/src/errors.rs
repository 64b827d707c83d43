//! Coded errors for everything that crosses the napi boundary.
//!
//! napi-rs puts an error's status string into the JavaScript error's `code`
//! property, so a custom status type gives every error a stable code that
//! `ts/core/native-errors.ts` maps onto `LagoonError` codes. Never match on
//! message text on the JS side.

use std::panic::{catch_unwind, AssertUnwindSafe};

/// A native error code. Keep this list in sync with `ts/core/native-errors.ts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// The caller passed something the native function cannot take.
    #[allow(dead_code)] // for bindings that validate input beyond napi's type checks
    InvalidArgument,
    /// Rust code panicked; the panic was caught and the process lives on.
    Panic,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::InvalidArgument => "ERR_NATIVE_INVALID_ARGUMENT",
            Code::Panic => "ERR_NATIVE_PANIC",
        }
    }
}

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.as_str()
    }
}

pub type Error = napi::Error<Code>;
pub type Result<T> = std::result::Result<T, Error>;

/// Builds an error whose JavaScript `code` is `code`.
pub fn coded(code: Code, reason: impl Into<String>) -> Error {
    napi::Error::new(code, reason.into())
}

/// Runs `f`, turning a panic into a coded `ERR_NATIVE_PANIC` error.
///
/// `#[napi(catch_unwind)]` would also stop the unwind, but with the generic
/// `GenericFailure` code; this guard keeps our own code and message.
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-string panic payload".to_owned());
            Err(coded(Code::Panic, format!("panic in native code: {what}")))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guard_passes_values_and_errors_through() {
        assert_eq!(guard(|| Ok(7)).unwrap(), 7);
        let err = guard::<()>(|| Err(coded(Code::InvalidArgument, "bad"))).unwrap_err();
        assert_eq!(err.status, Code::InvalidArgument);
        assert_eq!(err.reason, "bad");
    }

    #[test]
    fn guard_turns_panics_into_coded_errors() {
        let err = guard::<()>(|| panic!("boom {}", 42)).unwrap_err();
        assert_eq!(err.status.as_str(), "ERR_NATIVE_PANIC");
        assert!(err.reason.contains("boom 42"), "{}", err.reason);
        let err = guard::<()>(|| panic!("static")).unwrap_err();
        assert!(err.reason.contains("static"), "{}", err.reason);
    }
}
