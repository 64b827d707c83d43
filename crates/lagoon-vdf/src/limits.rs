//! Protocol bounds on every quantity a peer declares that drives verifier
//! work or allocation. One definition, shared by the verifier (which rejects
//! a header or opening that exceeds one with [`crate::Reject::Shape`] before
//! doing any work) and the prover (which never builds a window that exceeds
//! one). See README.md, "Bounds and worst-case verification cost".
//!
//! Sizing: the engine's default window is 1.25 s; flat out on a commodity
//! core the chain runs ≈ 10 M steps/s, so a window holds ≈ 12.5 M steps, cut
//! into ≤ 8192 segments of 2048 steps (the next power of two above 1526).
//! [`MAX_SEGMENT_LEN`] leaves 4× headroom above that; past it the prover adds
//! segments instead of lengthening them (up to [`MAX_SEGMENTS`]).

use crate::merkle::MAX_DEPTH;

/// Most steps in one segment: the most one opened segment costs to recompute
/// (≈ 0.8 ms at 10 M steps/s). A power of two, so the prover's doubling
/// checkpoint interval reaches it exactly.
pub const MAX_SEGMENT_LEN: u32 = 1 << 13;
/// Most segments in one window: 2^16, so a Merkle path is at most 16 hashes.
pub const MAX_SEGMENTS: u32 = 1 << MAX_DEPTH;
/// Most steps in one window: 2^29 ≈ 54 s flat out. Implied by the two above
/// (`MAX_SEGMENTS × MAX_SEGMENT_LEN`), checked on its own all the same.
pub const MAX_WINDOW_STEPS: u32 = MAX_SEGMENTS * MAX_SEGMENT_LEN;
/// Most nonces one window may absorb (≥ the 20 SPIRAL neighbours, with room for re-challenges).
pub const MAX_NONCES: usize = 64;
/// Largest `k` (Fiat–Shamir-drawn segments per opening) a verifier may ask for.
pub const MAX_K: u32 = 8;
/// Most segments one opening may carry: `MAX_K` drawn plus the `show` segment.
pub const MAX_OPENED: usize = MAX_K as usize + 1;
/// Longest Merkle path an opened segment may carry.
pub const MAX_PATH: usize = MAX_DEPTH;
/// Most steps one opening makes the verifier recompute, whatever the peer sends.
pub const MAX_OPENING_STEPS: u64 = MAX_OPENED as u64 * MAX_SEGMENT_LEN as u64;

const _: () = assert!(MAX_SEGMENT_LEN.is_power_of_two());
const _: () = assert!(MAX_SEGMENTS as u64 * MAX_SEGMENT_LEN as u64 <= u32::MAX as u64);
const _: () = assert!(MAX_NONCES <= u16::MAX as usize && MAX_OPENED <= u8::MAX as usize && MAX_PATH <= u8::MAX as usize);
