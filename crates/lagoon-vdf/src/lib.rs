//! Lagoon's VDF heartbeat (see README.md for the format and the soundness
//! argument). Pure Rust, no napi: `lagoon-napi` binds it.
//!
//! - [`chain`]: genesis, `h' = BLAKE3(h)`, nonce absorption.
//! - [`prover`]: checkpoints, window headers, openings (deterministic).
//! - [`engine`]: the prover on its own thread under a duty cycle.
//! - [`verify`]: header (signature, chaining, nonce) and opening checks.
//! - [`attest`]: compact signed attestations of verified work.
//! - [`limits`]: bounds on every peer-declared size (verifier work is constant).

pub mod attest;
pub mod chain;
mod codec;
pub mod engine;
pub mod limits;
pub mod merkle;
pub mod proof;
pub mod prover;
pub mod reject;
pub mod sample;
pub mod verify;

pub use attest::Attestation;
pub use chain::{Hash, Nonce, NONCE_LEN};
pub use engine::{Engine, EngineConfig, EngineStats};
pub use limits::{MAX_K, MAX_NONCES, MAX_OPENED, MAX_OPENING_STEPS, MAX_PATH, MAX_SEGMENTS, MAX_SEGMENT_LEN, MAX_WINDOW_STEPS};
pub use prover::{ProveError, Prover, DEFAULT_MAX_SEGMENTS};
pub use reject::Reject;
pub use verify::{verify_header, verify_opening, HeaderFacts};

/// Default number of Fiat–Shamir-drawn segments per opening (see README).
pub const DEFAULT_K: u32 = 2;

#[cfg(test)]
mod tests;
