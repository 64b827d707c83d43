//! Which segments an opening must reveal.
//!
//! `k` distinct segments are drawn by Fiat–Shamir from
//! `derive_key("lagoon-vdf-fs-v1", header_hash || challenge)`: the header hash
//! covers the Merkle root, and the challenge is a nonce the verifier chose
//! *after* it received the signed header, so the prover cannot grind roots
//! until the draw avoids the segments it skipped. The segment holding the
//! verifier's own previous nonce is always added, so a claimed absorption is
//! checked every window, not by chance.

use crate::chain::{Hash, Nonce};
use crate::proof::Header;

const FS_CONTEXT: &str = "lagoon-vdf-fs-v1";

/// `k` distinct segment indices below `count` (all of them if `k >= count`).
pub fn draw(header_hash: &Hash, challenge: &Nonce, count: u32, k: u32) -> Vec<u32> {
    if k >= count {
        return (0..count).collect();
    }
    let mut hasher = blake3::Hasher::new_derive_key(FS_CONTEXT);
    hasher.update(header_hash);
    hasher.update(challenge);
    let mut xof = hasher.finalize_xof();
    // Rejection sampling keeps every index equally likely.
    let zone = u32::MAX - (u32::MAX % count);
    let mut picked = Vec::with_capacity(k as usize);
    while picked.len() < k as usize {
        let mut word = [0u8; 4];
        xof.fill(&mut word);
        let x = u32::from_le_bytes(word);
        if x >= zone {
            continue;
        }
        let j = x % count;
        if !picked.contains(&j) {
            picked.push(j);
        }
    }
    picked
}

/// The full set an opening must carry, sorted: the draw plus the segment that
/// absorbed `show` (the verifier's previous nonce), when given and present.
pub fn required(header: &Header, header_hash: &Hash, challenge: &Nonce, show: Option<&Nonce>, k: u32) -> Vec<u32> {
    let mut set = draw(header_hash, challenge, header.segments(), k);
    if let Some(pos) = show.and_then(|n| header.nonce_position(n)) {
        set.push(pos / header.segment_len);
    }
    set.sort_unstable();
    set.dedup();
    set
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_are_distinct_deterministic_and_spread() {
        let hh = [3u8; 32];
        let a = draw(&hh, &[1u8; 16], 1000, 8);
        assert_eq!(a, draw(&hh, &[1u8; 16], 1000, 8));
        assert_ne!(a, draw(&hh, &[2u8; 16], 1000, 8));
        let mut s = a.clone();
        s.sort_unstable();
        s.dedup();
        assert_eq!(s.len(), 8);
        assert!(a.iter().all(|&j| j < 1000));
        assert_eq!(draw(&hh, &[1u8; 16], 3, 8), vec![0, 1, 2]);
        // Roughly uniform: each of 4 buckets gets a fair share of 4000 draws.
        let mut buckets = [0u32; 4];
        for i in 0..4000u32 {
            let mut c = [0u8; 16];
            c[..4].copy_from_slice(&i.to_le_bytes());
            buckets[draw(&hh, &c, 4, 1)[0] as usize] += 1;
        }
        assert!(buckets.iter().all(|&b| (800..1200).contains(&b)), "{buckets:?}");
    }
}
