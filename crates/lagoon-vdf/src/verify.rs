//! Verification: a header against the last accepted one, then an opening
//! against its header. Both are pure and cost microseconds plus the opened
//! segments' steps; the binding runs them off the JavaScript thread.
//!
//! The cost is bounded by constants, never by what the peer declares: the
//! shape checks ([`crate::limits`]) run before the signature and before any
//! recomputation, so an opening recomputes at most
//! [`MAX_OPENING_STEPS`](crate::limits::MAX_OPENING_STEPS) steps.

use crate::chain::{self, Hash, Nonce};
use crate::limits::{MAX_K, MAX_SEGMENT_LEN};
use crate::merkle;
use crate::proof::{header_hash, Header, Opening};
use crate::reject::Reject;
use crate::sample;

/// What a verified header proves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderFacts {
    pub window: u64,
    pub start_height: u64,
    pub end_height: u64,
    pub steps: u32,
    pub end: Hash,
    pub header_hash: Hash,
    /// Position of the required nonce (when one was required).
    pub nonce_position: Option<u32>,
    /// Steps at or after the required nonce: work that cannot have been
    /// computed before the verifier's challenge. Equal to `steps` when no nonce
    /// was required.
    pub fresh_steps: u32,
}

/// Checks a header's structure, signature, chaining to `prev` (the last header
/// accepted from this key, if any) and that `required` was absorbed.
pub fn verify_header(
    public_key: &[u8; 32],
    bytes: &[u8],
    prev: Option<&[u8]>,
    required: Option<&Nonce>,
) -> Result<HeaderFacts, Reject> {
    let header = Header::decode(bytes)?;
    header.verify_signature(public_key)?;
    let hash = header_hash(bytes);
    if let Some(prev_bytes) = prev {
        check_chaining(&header, &hash, &Header::decode(prev_bytes)?, &header_hash(prev_bytes))?;
    } else if header.start_height == 0 && header.start != chain::genesis(public_key) {
        return Err(Reject::Fork);
    }
    let nonce_position = match required {
        Some(n) => Some(header.nonce_position(n).ok_or(Reject::NonceMissing)?),
        None => None,
    };
    Ok(HeaderFacts {
        window: header.window,
        start_height: header.start_height,
        end_height: header.end_height(),
        steps: header.steps,
        end: header.end,
        header_hash: hash,
        nonce_position,
        fresh_steps: header.steps - nonce_position.unwrap_or(0),
    })
}

fn check_chaining(header: &Header, hash: &Hash, prev: &Header, prev_hash: &Hash) -> Result<(), Reject> {
    if header.window < prev.window || (header.window == prev.window && hash == prev_hash) {
        return Err(Reject::Replay);
    }
    if header.window == prev.window {
        return Err(Reject::Fork);
    }
    if header.window > prev.window + 1 || header.start_height > prev.end_height() {
        return Err(Reject::Gap);
    }
    if header.start_height != prev.end_height() || header.start != prev.end {
        return Err(Reject::Fork);
    }
    Ok(())
}

/// Checks an opening of `header_bytes` for `challenge`: the signature, that it
/// opens exactly the segments the challenge selects (plus the one holding
/// `show`), each Merkle path, and each segment by recomputation.
/// `k > MAX_K` is refused (`Shape`) so the cost stays bounded.
pub fn verify_opening(
    public_key: &[u8; 32],
    header_bytes: &[u8],
    opening_bytes: &[u8],
    challenge: &Nonce,
    show: Option<&Nonce>,
    k: u32,
) -> Result<(), Reject> {
    if k > MAX_K {
        return Err(Reject::Shape);
    }
    let header = Header::decode(header_bytes)?;
    header.verify_signature(public_key)?;
    let opening = Opening::decode(opening_bytes)?;
    let hash = header_hash(header_bytes);
    if opening.window != header.window || opening.header_hash != hash || opening.challenge != *challenge {
        return Err(Reject::OpeningMismatch);
    }
    if let Some(n) = show {
        header.nonce_position(n).ok_or(Reject::NonceMissing)?;
    }
    let expected = sample::required(&header, &hash, challenge, show, k);
    if opening.segments.iter().map(|s| s.index).ne(expected.iter().copied()) {
        return Err(Reject::OpeningSet);
    }
    let count = header.segments() as usize;
    for seg in &opening.segments {
        let j = seg.index as usize;
        let leaf = merkle::leaf(seg.index, &seg.start, &seg.end);
        if !merkle::verify(leaf, j, count, &seg.path, &header.root) {
            return Err(Reject::Merkle);
        }
        if (j == 0 && seg.start != header.start) || (j + 1 == count && seg.end != header.end) {
            return Err(Reject::Merkle);
        }
        let (from, to) = header.segment_range(seg.index);
        debug_assert!(to - from <= MAX_SEGMENT_LEN);
        if chain::run_range(seg.start, from, to, &header.nonces) != seg.end {
            return Err(Reject::Segment);
        }
    }
    Ok(())
}
