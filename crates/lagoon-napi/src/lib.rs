//! Lagoon's napi-rs binding crate. Thin by design: each module binds one pure
//! crate (or one small primitive) one-to-one; validation and policy live in the
//! TypeScript wrapper (`ts/core/native.ts`).
//!
//! Adding a binding: write `src/<name>.rs` with `#[napi]` functions and add a
//! `mod <name>;` line below. Errors go through `errors::coded` so every error
//! that reaches JavaScript has a stable `code`.

mod errors;
mod hash;
mod info;
mod vdf;
