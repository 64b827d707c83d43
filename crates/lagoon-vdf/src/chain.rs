//! The chain itself: genesis, plain steps and nonce absorption.
//!
//! `h_{i+1} = BLAKE3(h_i)` for a plain step (32-byte input) and
//! `h_{i+1} = BLAKE3(h_i || nonce)` when a neighbour's 16-byte nonce is absorbed
//! at that step (48-byte input). The input lengths differ, so the two kinds of
//! step can never be confused.

/// A chain value.
pub type Hash = [u8; 32];
/// A neighbour's challenge nonce.
pub type Nonce = [u8; NONCE_LEN];
/// Bytes in a nonce: 128 bits, never guessed in advance.
pub const NONCE_LEN: usize = 16;

const GENESIS_DOMAIN: &[u8] = b"lagoon-vdf-genesis-v1";

/// `BLAKE3("lagoon-vdf-genesis-v1" || public_key)`.
pub fn genesis(public_key: &[u8; 32]) -> Hash {
    let mut hasher = blake3::Hasher::new();
    hasher.update(GENESIS_DOMAIN);
    hasher.update(public_key);
    *hasher.finalize().as_bytes()
}

/// One plain step.
#[inline(always)]
pub fn step(h: &Hash) -> Hash {
    *blake3::hash(h).as_bytes()
}

/// One absorbing step.
#[inline]
pub fn absorb(h: &Hash, nonce: &Nonce) -> Hash {
    let mut input = [0u8; 32 + NONCE_LEN];
    input[..32].copy_from_slice(h);
    input[32..].copy_from_slice(nonce);
    *blake3::hash(&input).as_bytes()
}

/// Runs `n` plain steps from `h`.
#[inline]
pub fn run(mut h: Hash, n: u64) -> Hash {
    for _ in 0..n {
        h = step(&h);
    }
    h
}

/// Recomputes the steps `[from, to)` of a window starting from `h`, absorbing
/// each `(position, nonce)` whose position falls in the range. `nonces` must be
/// sorted by position.
pub fn run_range(mut h: Hash, from: u32, to: u32, nonces: &[(u32, Nonce)]) -> Hash {
    let mut pos = from;
    let start = nonces.partition_point(|(p, _)| *p < from);
    for (p, nonce) in nonces[start..].iter().take_while(|(p, _)| *p < to) {
        h = run(h, u64::from(*p - pos));
        h = absorb(&h, nonce);
        pos = *p + 1;
    }
    run(h, u64::from(to - pos))
}

/// The plain `BLAKE3` loop the benchmarks compare the engine with: the same
/// hash, no checkpoints, no locks.
pub fn plain_hash_loop(seed: &Hash, n: u64) -> Hash {
    run(*seed, n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genesis_is_domain_separated_and_deterministic() {
        let pk = [7u8; 32];
        let mut plain = blake3::Hasher::new();
        plain.update(b"lagoon-vdf-genesis-v1");
        plain.update(&pk);
        assert_eq!(genesis(&pk), *plain.finalize().as_bytes());
        assert_ne!(genesis(&pk), *blake3::hash(&pk).as_bytes());
        assert_ne!(genesis(&pk), genesis(&[8u8; 32]));
    }

    #[test]
    fn run_range_matches_step_by_step() {
        let g = genesis(&[1u8; 32]);
        let nonces = vec![(0u32, [1u8; 16]), (5, [2u8; 16]), (6, [3u8; 16]), (19, [4u8; 16])];
        let mut h = g;
        for i in 0..20u32 {
            h = match nonces.iter().find(|(p, _)| *p == i) {
                Some((_, n)) => absorb(&h, n),
                None => step(&h),
            };
        }
        assert_eq!(run_range(g, 0, 20, &nonces), h);
        let mid = run_range(g, 0, 7, &nonces);
        assert_eq!(run_range(mid, 7, 20, &nonces), h);
        assert_ne!(run_range(g, 0, 20, &nonces[..3]), h);
    }
}
