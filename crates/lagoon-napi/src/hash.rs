//! BLAKE3 for the node identity (`peer_id = "b3b3/" + hex(BLAKE3(BLAKE3(pubkey)))`)
//! and, later, the VDF chain.

use napi::bindgen_prelude::Buffer;
use napi_derive::napi;

use crate::errors::{guard, Result};

/// Length of a BLAKE3 digest in bytes.
pub const DIGEST_LEN: usize = blake3::OUT_LEN;

/// The 32-byte BLAKE3 hash of `data`.
pub fn digest(data: &[u8]) -> [u8; DIGEST_LEN] {
    *blake3::hash(data).as_bytes()
}

/// `blake3(data: Buffer | Uint8Array): Buffer` — 32-byte BLAKE3 hash.
#[napi(js_name = "blake3", catch_unwind)]
pub fn blake3_js(data: &[u8]) -> Result<Buffer> {
    guard(|| Ok(Buffer::from(digest(data).to_vec())))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn empty_input_vector() {
        assert_eq!(
            hex(&digest(b"")),
            "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
        );
    }

    #[test]
    fn abc_vector() {
        assert_eq!(
            hex(&digest(b"abc")),
            "6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85"
        );
    }

    #[test]
    fn multi_chunk_matches_incremental_hasher() {
        // 3 full 1024-byte chunks plus a partial one, fed in odd-sized pieces.
        let data: Vec<u8> = (0..3_333u32).map(|i| (i % 251) as u8).collect();
        let mut hasher = blake3::Hasher::new();
        for piece in data.chunks(97) {
            hasher.update(piece);
        }
        assert_eq!(digest(&data), *hasher.finalize().as_bytes());
        assert_eq!(digest(&data).len(), DIGEST_LEN);
    }
}
